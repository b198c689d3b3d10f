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
