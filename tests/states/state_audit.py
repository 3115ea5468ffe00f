"""Static checks over the source: where status values are written, and which states the
code moves rows to. Used by ``test_state_machines.py`` (and tested there on snippets, so a
checker that finds nothing is caught too).
"""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCANNED = ("app", "channels", "tickets")
# The one module that assigns a status: it applies every machine's table.
STATE_CORE = "app/states/machine.py"
# Machine constants, by the name each area exports them under.
MACHINE_NAMES = {
    "ORDER": "order", "HOLD": "hold", "PAYMENT": "payment", "REFUND": "refund",
    "AIRTIME_CHARGE": "airtime_charge", "TICKET": "ticket", "TRIP": "trip", "USER": "user", "OTP": "otp",
    "SMS": "sms", "SETTLEMENT": "settlement", "PAYOUT": "payout", "CONCESSION": "concession",
}
MACHINE_METHODS = {"transition": 1, "create": 1, "create_all": 1}  # position of the state argument
# Area helpers that take the target state: name -> (entity, position or keyword).
WRAPPERS = {
    "transition_order": ("order", 1), "transition_holds": ("hold", "to"), "transition_ticket": ("ticket", 1),
    "transition_trip": ("trip", 1), "_close": ("otp", 1),
}
# Payments' own shorthand ``transition(payment, "...")`` (app.payments.transitions).
PAYMENT_SHORTHAND_MODULES = ("app/payments/",)


def source_files():
    for top in SCANNED:
        for path in sorted((ROOT / top).rglob("*.py")):
            yield path.relative_to(ROOT).as_posix(), path.read_text()


def _is_model_class(node: ast.ClassDef) -> bool:
    for base in node.bases:
        name = base.attr if isinstance(base, ast.Attribute) else getattr(base, "id", "")
        if name == "Model":
            return True
    return False


def status_writes(source: str, model_names: set[str]) -> list[tuple[int, str]]:
    """Places in ``source`` that write a status value: ``x.status = ...`` (outside a non-model
    class's own ``self.status``, e.g. an HTTP error's), ``setattr(x, "status", ...)``,
    ``Model(status=...)`` for a model with a state machine, ``.values(status=...)`` and
    ``execute(stmt, [{"status": ...}])``."""
    tree = ast.parse(source)
    found: list[tuple[int, str]] = []
    allowed_self: set[int] = set()
    for cls in ast.walk(tree):
        if isinstance(cls, ast.ClassDef) and not _is_model_class(cls):
            for node in ast.walk(cls):
                if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self":
                    allowed_self.add(id(node))
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            targets = [node.target]
        for target in targets:
            for sub in ast.walk(target):
                if isinstance(sub, ast.Attribute) and sub.attr == "status" and isinstance(sub.ctx, ast.Store) \
                        and id(sub) not in allowed_self:
                    found.append((node.lineno, "assigns .status"))
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        fname = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if fname == "setattr" and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant) \
                and node.args[1].value == "status":
            found.append((node.lineno, "setattr status"))
        if fname in model_names and any(k.arg == "status" for k in node.keywords):
            found.append((node.lineno, f"{fname}(status=...)"))
        if fname == "execute":  # execute(insert(Model), [{"status": ...}]) / execute(update(Model), {...})
            for arg in node.args[1:]:
                for sub in ast.walk(arg):
                    if isinstance(sub, ast.Dict) and any(isinstance(k, ast.Constant) and k.value == "status"
                                                         for k in sub.keys):
                        found.append((node.lineno, 'execute(..., {"status": ...})'))
        if fname == "values":
            if any(k.arg == "status" for k in node.keywords):
                found.append((node.lineno, ".values(status=...)"))
            for arg in node.args:
                if isinstance(arg, ast.Dict) and any(isinstance(k, ast.Constant) and k.value == "status"
                                                     for k in arg.keys):
                    found.append((node.lineno, '.values({"status": ...})'))
    return found


def history_mutations(source: str) -> list[int]:
    """Lines that update or delete status history rows (it is append-only)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            func = node.func
            fname = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if fname in ("update", "delete") and any(
                isinstance(a, ast.Name) and a.id == "StatusHistory" for a in node.args
            ):
                found.append(node.lineno)
            if fname in ("update", "delete") and isinstance(func, ast.Attribute) \
                    and "StatusHistory" in ast.unparse(func.value):
                found.append(node.lineno)
    return found


def _literals(node, scope_assigns: dict[str, list], params: dict[str, ast.AST], calls_by_kw) -> set[str]:
    """String values ``node`` can take: literals, conditional expressions, local names
    assigned literals, and parameters (their default plus what callers of this function
    pass by keyword; ``calls_by_kw`` is already narrowed to them)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return _literals(node.body, scope_assigns, params, calls_by_kw) | \
            _literals(node.orelse, scope_assigns, params, calls_by_kw)
    if isinstance(node, ast.Name):
        values = set()
        for assigned in scope_assigns.get(node.id, []):
            values |= _literals(assigned, {}, {}, calls_by_kw)
        if node.id in params:
            default = params[node.id]
            if default is not None:
                values |= _literals(default, {}, {}, calls_by_kw)
            for passed in calls_by_kw.get(node.id, []):
                values |= _literals(passed, {}, {}, calls_by_kw)
        return values
    return set()


def reached_states(files) -> dict[str, set[str]]:
    """entity -> the states some code path moves a row to (or creates it in)."""
    trees = [(path, ast.parse(text)) for path, text in files]
    calls_by_kw: dict[tuple[str, str], list] = {}  # (called name, keyword) -> values passed
    for _, tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                called = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
                for kw in node.keywords:
                    if kw.arg and called:
                        calls_by_kw.setdefault((called, kw.arg), []).append(kw.value)
    reached: dict[str, set[str]] = {}
    for path, tree in trees:
        for func in [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]:
            assigns: dict[str, list] = {}
            for node in ast.walk(func):
                if isinstance(node, ast.Assign):
                    for target in node.targets:
                        if isinstance(target, ast.Name):
                            assigns.setdefault(target.id, []).append(node.value)
            args = func.args
            positional = args.posonlyargs + args.args
            defaults = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
            params = {a.arg: d for a, d in zip(positional, defaults)}
            params.update({a.arg: d for a, d in zip(args.kwonlyargs, args.kw_defaults)})
            for node in ast.walk(func):
                if not isinstance(node, ast.Call):
                    continue
                entity, value = _target(node, path)
                if entity is None or value is None:
                    continue
                mine = {kw: values for (called, kw), values in calls_by_kw.items() if called == func.name}
                reached.setdefault(entity, set()).update(_literals(value, assigns, params, mine))
    return reached


def _target(call: ast.Call, path: str):
    func = call.func
    kwargs = {k.arg: k.value for k in call.keywords if k.arg}
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id in MACHINE_NAMES:
        entity = MACHINE_NAMES[func.value.id]
        if func.attr == "bulk":
            return entity, kwargs.get("to")
        if func.attr in MACHINE_METHODS:
            pos = MACHINE_METHODS[func.attr]
            return entity, call.args[pos] if len(call.args) > pos else kwargs.get("status", kwargs.get("to"))
        return None, None
    name = func.id if isinstance(func, ast.Name) else None
    if name in WRAPPERS:
        entity, where = WRAPPERS[name]
        if isinstance(where, int):
            return entity, call.args[where] if len(call.args) > where else kwargs.get("new_status")
        return entity, kwargs.get(where)
    if name == "transition" and path.startswith(PAYMENT_SHORTHAND_MODULES):
        return "payment", call.args[1] if len(call.args) > 1 else None
    return None, None
