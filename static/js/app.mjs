import {
  Button,
  CharacterCount,
  Checkboxes,
  Code,
  ErrorSummary,
  FileUpload,
  Header,
  NotificationBanner,
  PasswordInput,
  Radios,
  Scroll,
  SkipLink,
  Table,
  Tabs,
  createAll,
} from "../dist/nhsuk/nhsuk-frontend.min.js";

// NHS radios with conditional content, without aria-expanded: a radio may not carry it
// (ARIA role radio; axe aria-allowed-attr), and GOV.UK Frontend dropped it for that reason.
// aria-controls still ties each radio to the content it reveals.
class ConditionalRadios extends Radios {
  syncConditionalRevealWithInputState($input) {
    super.syncConditionalRevealWithInputState($input);
    $input.removeAttribute("aria-expanded");
  }
}

// initAll() less its Radios, which ConditionalRadios replaces.
for (const Component of [
  Button,
  CharacterCount,
  Checkboxes,
  Code,
  ErrorSummary,
  FileUpload,
  Header,
  NotificationBanner,
  PasswordInput,
  ConditionalRadios,
  Scroll,
  SkipLink,
  Table,
  Tabs,
]) {
  createAll(Component);
}

// Session timeout warning: the server signs out after `timeout` idle seconds (no request).
// Typing pings keep-alive (at most once a minute), so a long note is not lost; without
// activity the dialog warns `warn` seconds before, and at the end the page goes to Sign in,
// which says why.
const $dialog = document.getElementById("timeout-warning");
if ($dialog && typeof $dialog.showModal === "function") {
  const timeout = Number($dialog.dataset.timeoutSeconds) * 1000;
  const warn = Number($dialog.dataset.warnSeconds) * 1000;
  let lastPing = Date.now();
  let warnTimer;
  let endTimer;

  const schedule = () => {
    clearTimeout(warnTimer);
    clearTimeout(endTimer);
    warnTimer = setTimeout(() => $dialog.showModal(), timeout - warn);
    endTimer = setTimeout(() => {
      const next = encodeURIComponent(window.location.pathname + window.location.search);
      window.location.assign(`${$dialog.dataset.signInUrl}?next=${next}`);
    }, timeout + 5000); // just after the server has let the session go
  };

  const keepAlive = () => {
    lastPing = Date.now();
    schedule();
    return fetch($dialog.dataset.keepAliveUrl, {
      method: "POST",
      headers: { "X-CSRFToken": $dialog.dataset.csrfToken },
      credentials: "same-origin",
    });
  };

  document.addEventListener("input", () => {
    if (Date.now() - lastPing > 60 * 1000) keepAlive();
  });
  $dialog.querySelector("[data-timeout-stay]").addEventListener("click", (event) => {
    event.preventDefault();
    $dialog.close();
    keepAlive();
  });
  schedule();
}
