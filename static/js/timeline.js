/*
 * Quick timeline entry on the editor (the form #timeline-entry).
 *
 * 1. Enter in the one-line field submits (the browser does that for a form); htmx
 *    answers with the timeline section, whose new field carries data-entry-focus and
 *    gets the focus back, empty, for the next line.
 * 2. Pasting several lines into the one-line field (which would otherwise join them)
 *    puts them into "Paste several lines" and adds them all at once.
 * 3. In that box, Ctrl+Enter (or Cmd+Enter) adds every line; Enter alone starts a line.
 * Without JavaScript none of this runs: the form posts and the page comes back with
 * the field focused.
 */
(function () {
  "use strict";
  if (window.timelineEntryReady) {
    return;
  }
  window.timelineEntryReady = true;

  function submit(form) {
    if (form.requestSubmit) {
      form.requestSubmit();
    } else {
      form.submit();
    }
  }

  document.addEventListener("paste", function (event) {
    var input = event.target;
    if (!input.classList || !input.classList.contains("timeline-entry__input")) {
      return;
    }
    var text = (event.clipboardData || window.clipboardData).getData("text");
    if (text.indexOf("\n") === -1 && text.indexOf("\r") === -1) {
      return;
    }
    event.preventDefault();
    var form = input.form;
    var lines = form.querySelector("textarea[name$='lines']");
    var details = lines.closest("details");
    if (details) {
      details.open = true;
    }
    var typed = input.value.trim();
    lines.value = [lines.value.replace(/\s+$/, ""), typed, text].filter(Boolean).join("\n");
    input.value = "";
    submit(form);
  });

  document.addEventListener("keydown", function (event) {
    var box = event.target;
    if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) {
      return;
    }
    if (box.tagName === "TEXTAREA" && box.form && box.form.id === "timeline-entry") {
      event.preventDefault();
      submit(box.form);
    }
  });

  function focusEntry(root) {
    var field = root.querySelector ? root.querySelector("[data-entry-focus]") : null;
    if (field) {
      field.focus();
    }
  }

  // Only after this form's own request: another section's swap must not move focus.
  var pending = false;
  document.addEventListener("htmx:beforeRequest", function (event) {
    pending = pending || event.detail.elt.id === "timeline-entry";
  });
  document.addEventListener("htmx:afterSettle", function () {
    if (pending) {
      pending = false;
      focusEntry(document.getElementById("timeline") || document);
    }
  });
})();
