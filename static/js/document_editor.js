/*
 * The postmortem as one document (postmortem_edit.html, postmortem_detail.html).
 *
 * 1. A section reads as published; a click on it, or Enter or "e" while it has focus,
 *    follows its Edit link, which htmx answers with the section's form in place.
 * 2. Escape in an unchanged form follows its Close link (the section as it reads).
 * 3. A section whose text this browser kept but the server has not (autosave.js keeps
 *    it in localStorage) opens as its form on load, so the text comes back.
 * 4. The side panel is a drawer (<details>) on a phone; on a wide screen it is opened
 *    once, and stays a column beside the document.
 * Without JavaScript the Edit and Close controls are plain links and the drawer a
 * plain <details>.
 */
(function () {
  "use strict";

  var WIDE = "(min-width: 64rem)";

  function editLink(section) {
    return section.querySelector(":scope > .doc-section__head .doc-section__edit, :scope > .doc-section__edit");
  }

  function open(section) {
    var link = editLink(section);
    if (link) link.click();
  }

  document.addEventListener("click", function (event) {
    var body = event.target.closest(".doc-section__body");
    if (!body || event.target.closest("a, button, summary, input, textarea, select")) return;
    var selection = window.getSelection && window.getSelection();
    if (selection && String(selection).length) return; // selecting text to copy it
    open(body.closest("[data-section]"));
  });

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    if (target.classList && target.classList.contains("doc-section__body")) {
      if (event.key === "Enter" || event.key === "e" || event.key === "E") {
        event.preventDefault();
        open(target.closest("[data-section]"));
      }
      return;
    }
    if (event.key === "Escape" && target.matches && target.matches(".doc-section textarea[name=text]")) {
      var form = target.form;
      var unchanged = form && form.autosave ? form.autosave.savedText === target.value
        : target.value === target.defaultValue;
      var close = form && form.querySelector(".doc-section__close");
      if (unchanged && close && form.hasAttribute("data-autosave")) {
        event.preventDefault();
        close.click();
      }
    }
  });

  // After a swap: an opened section puts the cursor in its text, a closed one
  // takes the focus back, so the keyboard stays where the person works.
  document.addEventListener("htmx:afterSettle", function (event) {
    var section = event.detail.elt;
    if (!section || !section.matches || !section.matches("[data-section]")) return;
    if (!section.isConnected) section = document.getElementById(section.id);
    if (!section) return;
    var textarea = section.querySelector("textarea[name=text]");
    if (textarea) {
      textarea.focus();
      return;
    }
    var target = section.querySelector(".doc-section__body") || editLink(section);
    if (target) target.focus();
  });

  function restoreDrafts() {
    var kept = window.postmortemDrafts;
    if (!kept) return;
    document.querySelectorAll(".doc-section[data-draft-key]").forEach(function (section) {
      var prefix = section.dataset.draftKey;
      if (section.hasAttribute("data-saved")) {
        kept.clear(prefix); // an explicit save was just confirmed
      } else if (!section.querySelector("form") && kept.list(prefix).length) {
        open(section);
      }
    });
  }

  function panel() {
    var drawer = document.getElementById("review-panel");
    if (drawer && window.matchMedia && window.matchMedia(WIDE).matches) drawer.open = true;
  }

  panel();
  restoreDrafts();
  document.addEventListener("htmx:load", function (event) {
    var root = event.target;
    if (root.matches && root.matches(".doc-section[data-saved]") && window.postmortemDrafts) {
      window.postmortemDrafts.clear(root.dataset.draftKey);
    }
  });
})();
