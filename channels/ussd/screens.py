"""Screen kinds of the USSD menu, rendered from data: a menu, a prompt, a paged picker.

Why screens as data: ``menus.py`` lists every screen as one of these kinds plus a small
handler, so adding a step or a language never means editing every handler, and a test
can render every screen of every language with worst-case values.

A handler returns an outcome: ``Go(name)`` (next screen), ``Stay(error)`` (show the same
screen again with a short error line) or ``End(text)`` (close the session).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from channels.i18n import USSD_SHOWN, t

MAX_SCREEN = USSD_SHOWN  # characters per USSD screen we fill (GSM-7); the hard cap is 182
ERROR_WIDTH = 32  # an error line is cut to this, and pickers keep room for it
LABEL_WIDTH = 32  # one picker line, so that any item fits a page


@dataclass
class Go:
    screen: str
    push: bool = True  # remember the current screen for "0 Back"
    enter: bool = True  # compute the new screen's content (False: restoring a snapshot)


@dataclass
class Stay:
    error: str


@dataclass
class End:
    text: str


Outcome = Go | Stay | End


def clip(text: str, width: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[:width].rstrip()


@dataclass
class Screen:
    """Base: ``text`` is an i18n key (or ``text(ctx)`` chooses one), ``params(ctx)`` its values."""

    name: str
    text: str
    params: Callable = field(default=lambda ctx: {})
    back: bool = True  # "0" goes to the previous screen
    resumable: bool = True  # worth offering "continue where you left off"
    on_enter: Callable | None = None  # loads what the screen shows (a quote, a balance)

    def enter(self, ctx) -> None:
        """Compute what the screen shows once, when the user arrives on it."""
        if self.on_enter is not None:
            self.on_enter(ctx)

    def head(self, ctx) -> str:
        key = self.text(ctx) if callable(self.text) else self.text  # a key, or a choice of keys
        return t(key, ctx.lang, **self.params(ctx))

    def render(self, ctx, error: str | None) -> str:
        lines = [clip(error, ERROR_WIDTH)] if error else []
        lines.append(self.head(ctx))
        return "\n".join(lines)

    def handle(self, ctx, value: str) -> Outcome:
        raise NotImplementedError


@dataclass
class Menu(Screen):
    """Fixed options (their labels are part of the text); ``choices`` maps input → action.

    An action is a screen name or a callable ``(ctx) -> Outcome``.
    """

    choices: dict = field(default_factory=dict)

    def handle(self, ctx, value):
        action = self.choices.get(value)
        if action is None:
            return Stay(t("invalid", ctx.lang))
        return Go(action) if isinstance(action, str) else action(ctx)


@dataclass
class Prompt(Screen):
    """Free input (a date, a count, an amount) handed to ``on_input(ctx, value)``."""

    on_input: Callable = None

    def handle(self, ctx, value):
        return self.on_input(ctx, value)


@dataclass
class Picker(Screen):
    """A numbered list computed on entry (``items(ctx) -> [(label, value)]``), paged to fit.

    Numbers are global (item 7 is "7" on whatever page it shows), so a choice never
    depends on page boundaries. ``on_text(ctx, text)`` takes anything that is not a
    listed number (e.g. the first letters of a city); without it such input is an error.
    """

    items: Callable = None
    on_pick: Callable = None
    on_text: Callable | None = None
    empty: str | None = None  # i18n key shown instead of the list when it is empty

    def enter(self, ctx):
        super().enter(ctx)
        ctx.state["items"] = [[clip(label, LABEL_WIDTH), value] for label, value in self.items(ctx)]

    def pages(self, ctx) -> list[list[int]]:
        items = ctx.state.get("items") or []
        footer = len(t("more", ctx.lang)) + 1 + (len(t("back", ctx.lang)) + 1 if self.back else 0)
        budget = MAX_SCREEN - len(self.head(ctx)) - footer - (ERROR_WIDTH + 1)
        pages, current, used = [], [], 0
        for index, (label, _) in enumerate(items):
            size = len(f"{index + 1} {label}") + 1
            if current and used + size > budget:
                pages.append(current)
                current, used = [], 0
            current.append(index)
            used += size
        pages.append(current)
        return pages

    def render(self, ctx, error):
        items = ctx.state.get("items") or []
        if not items and self.empty:
            lines = [clip(error, ERROR_WIDTH)] if error else []
            lines.append(t(self.empty, ctx.lang, **self.params(ctx)))
            return "\n".join(lines + ([t("back", ctx.lang)] if self.back else []))
        pages = self.pages(ctx)
        page = min(ctx.state.get("page", 0), len(pages) - 1)
        lines = [clip(error, ERROR_WIDTH)] if error else []
        lines.append(self.head(ctx))
        lines += [f"{i + 1} {items[i][0]}" for i in pages[page]]
        if page + 1 < len(pages):
            lines.append(t("more", ctx.lang))
        if self.back:
            lines.append(t("back", ctx.lang))
        return "\n".join(lines)

    def has_next_page(self, ctx) -> bool:
        return ctx.state.get("page", 0) + 1 < len(self.pages(ctx))

    def handle(self, ctx, value):
        items = ctx.state.get("items") or []
        if value.isdigit() and 1 <= int(value) <= len(items):
            return self.on_pick(ctx, items[int(value) - 1][1])
        if self.on_text is not None and not value.isdigit():
            return self.on_text(ctx, value)
        return Stay(t("invalid", ctx.lang))
