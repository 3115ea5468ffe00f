// The Print button of /counter's print pages (tickets, closing report, manifest).
// A served file: the strict CSP allows no inline script.
for (const button of document.querySelectorAll("[data-print]")) {
  button.addEventListener("click", () => window.print());
}
