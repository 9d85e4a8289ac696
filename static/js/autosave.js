/*
 * Autosave for the postmortem editor's sections (forms marked data-draft-key).
 *
 * 1. Every keystroke keeps the text in localStorage under
 *    "<data-draft-key>:<base>" until the server confirms it, so a crash, a closed tab
 *    or a network outage loses nothing: on the next load the text comes back into
 *    the textarea, with the base it was written against.
 * 2. Two seconds after the last keystroke the form is posted with action=autosave,
 *    through the same conflict-checked save as the Save button. The answer (JSON)
 *    carries the new base.
 * 3. A conflict (409) answers with the section's conflict view, which replaces the
 *    form. That view does not autosave (no data-autosave): the person merges and
 *    saves explicitly, so an autosave never overwrites someone else's words.
 * 4. A network error, a 5xx or a JSON 409 (another write to the review met this one
 *    at the same moment) shows "Not saved — retrying" and retries with exponential
 *    backoff (2 s, 4 s, ... at most a minute).
 * 5. When the page is hidden or left, pending text goes out with fetch keepalive
 *    (the CSRF token travels in the form data and in the header).
 * Without JavaScript none of this runs and the Save button works as a plain form.
 */
(function () {
  "use strict";

  var DEBOUNCE_MS = 2000;
  var FIRST_RETRY_MS = 2000;
  var MAX_RETRY_MS = 60000;

  function storage() {
    try {
      return window.localStorage;
    } catch (error) {
      return null; // storage disabled: autosave still works, drafts are not kept
    }
  }

  function drafts(prefix) {
    var store = storage();
    var found = [];
    if (!store) return found;
    for (var i = 0; i < store.length; i++) {
      var key = store.key(i);
      if (key && key.indexOf(prefix + ":") === 0) {
        try {
          var draft = JSON.parse(store.getItem(key));
          draft.key = key;
          found.push(draft);
        } catch (error) {
          store.removeItem(key);
        }
      }
    }
    found.sort(function (a, b) { return (b.at || 0) - (a.at || 0); });
    return found;
  }

  function clearDrafts(prefix) {
    var store = storage();
    if (!store) return;
    drafts(prefix).forEach(function (draft) { store.removeItem(draft.key); });
  }

  // For the document around the forms (document_editor.js): which sections have text
  // this browser kept and the server may not have.
  window.postmortemDrafts = { list: drafts, clear: clearDrafts };

  function Autosave(form) {
    this.form = form;
    this.prefix = form.dataset.draftKey;
    this.textarea = form.querySelector("textarea[name=text]");
    this.base = form.querySelector("input[name=base]");
    this.status = form.querySelector(".autosave-status");
    this.enabled = form.hasAttribute("data-autosave");
    this.savedText = this.textarea.value; // what the server holds for this editor
    this.timer = null;
    this.inFlight = false;
    this.pending = false;
    this.retryMs = FIRST_RETRY_MS;
  }

  Autosave.prototype.start = function () {
    var self = this;
    this.textarea.addEventListener("input", function () { self.changed(); });
    this.form.addEventListener("htmx:beforeRequest", function (event) {
      if (event.detail.elt === self.form) {
        // The Save or Preview button: the explicit request takes over.
        window.clearTimeout(self.timer);
        self.enabled = false;
      }
    });
    if (!this.enabled) {
      // A conflict view: keep drafts against the base they were written on, so that
      // after a reload the next save is checked against that base again.
      if (!this.form.dataset.draftBase) {
        var kept = drafts(this.prefix)[0];
        this.form.dataset.draftBase = kept ? kept.base : this.base.value;
      }
    } else {
      this.restore();
    }
  };

  Autosave.prototype.restore = function () {
    var draft = drafts(this.prefix)[0];
    if (!draft) return;
    if (draft.text === this.textarea.value) {
      clearDrafts(this.prefix); // the server has it
      return;
    }
    this.textarea.value = draft.text;
    // Saved against the base it was written on: if the section changed meanwhile,
    // the server answers with the conflict view instead of overwriting.
    this.base.value = draft.base;
    // The live preview follows the textarea's input event; autosave starts at once.
    this.textarea.dispatchEvent(new Event("input", { bubbles: true }));
    this.show("Restored text this browser had not saved yet", "restored");
  };

  Autosave.prototype.keep = function () {
    var store = storage();
    if (!store) return;
    var base = this.form.dataset.draftBase || this.base.value;
    var key = this.prefix + ":" + base;
    var others = drafts(this.prefix);
    try {
      store.setItem(key, JSON.stringify({ text: this.textarea.value, base: base, at: Date.now() }));
    } catch (error) {
      return; // storage full: the server save still runs
    }
    others.forEach(function (draft) { if (draft.key !== key) store.removeItem(draft.key); });
  };

  Autosave.prototype.show = function (message, state) {
    if (!this.status) return;
    this.status.textContent = message;
    this.status.dataset.state = state || "";
  };

  Autosave.prototype.changed = function () {
    this.keep();
    if (!this.enabled) return;
    this.show("Unsaved changes", "dirty");
    this.retryMs = FIRST_RETRY_MS;
    this.schedule(DEBOUNCE_MS);
  };

  Autosave.prototype.schedule = function (ms) {
    var self = this;
    window.clearTimeout(this.timer);
    this.timer = window.setTimeout(function () { self.save(false); }, ms);
  };

  Autosave.prototype.save = function (leaving) {
    var self = this;
    if (!this.enabled || !this.form.isConnected) return;
    var text = this.textarea.value;
    if (text === this.savedText) {
      clearDrafts(this.prefix); // typed and undone: nothing to save
      this.show("", "");
      return;
    }
    if (this.inFlight && !leaving) {
      this.pending = true;
      return;
    }
    var data = new FormData(this.form);
    data.set("action", "autosave");
    var token = this.form.querySelector("input[name=csrfmiddlewaretoken]");
    this.inFlight = true;
    this.show("Saving…", "saving");
    window
      // getAttribute: form.action is shadowed by the buttons named "action".
      .fetch(this.form.getAttribute("action"), {
        method: "POST",
        body: data,
        credentials: "same-origin",
        keepalive: leaving,
        headers: { "X-CSRFToken": token ? token.value : "", Accept: "application/json" },
      })
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        // 409 with the section's conflict view; a 409 in JSON is a write that met
        // another one at the same moment: not saved, retried like a failure below.
        if (response.status === 409 && type.indexOf("application/json") !== 0) {
          return response.text().then(function (html) { self.conflict(html); });
        }
        if (response.ok && type.indexOf("application/json") === 0) {
          return response.json().then(function (body) { self.saved(text, body); });
        }
        if (response.status === 400 && type.indexOf("application/json") === 0) {
          return response.json().then(function (body) {
            self.show("Not saved: " + (body.error || "the text was refused"), "error");
          });
        }
        // 5xx, or a sign-in page after the session ended: not saved, try again.
        throw new Error("Autosave answered " + response.status);
      })
      .catch(function () { self.failed(); })
      .finally(function () {
        self.inFlight = false;
        if (self.pending) {
          self.pending = false;
          self.schedule(0);
        }
      });
  };

  Autosave.prototype.saved = function (text, body) {
    this.base.value = body.base;
    delete this.form.dataset.draftBase;
    this.savedText = text;
    this.retryMs = FIRST_RETRY_MS;
    // The readiness checklist listens for this (as after an htmx save).
    document.body.dispatchEvent(new CustomEvent("readiness-changed", { bubbles: true }));
    if (this.textarea.value === text) {
      clearDrafts(this.prefix);
      this.show(body.saved, "saved");
    } else {
      this.keep(); // typed on meanwhile: keep it against the new base
    }
  };

  Autosave.prototype.failed = function () {
    var seconds = Math.round(this.retryMs / 1000);
    this.show("Not saved — retrying in " + seconds + " s", "error");
    this.schedule(this.retryMs);
    this.retryMs = Math.min(this.retryMs * 2, MAX_RETRY_MS);
  };

  Autosave.prototype.conflict = function (html) {
    if (!this.form.isConnected) return;
    var template = document.createElement("template");
    template.innerHTML = html.trim();
    var replacement = template.content.firstElementChild;
    if (!replacement) return this.failed();
    var typed = this.textarea.value;
    var hadFocus = document.activeElement === this.textarea;
    var start = this.textarea.selectionStart;
    var end = this.textarea.selectionEnd;
    var draftBase = this.form.dataset.draftBase || this.base.value;
    window.clearTimeout(this.timer);
    this.enabled = false;
    // The answer is the whole section (its heading and its form): it replaces the
    // section the form sits in.
    var section = this.form.closest("[data-section]") || this.form;
    section.replaceWith(replacement);
    var form = replacement.matches("form[data-draft-key]") ? replacement
      : replacement.querySelector("form[data-draft-key]");
    if (!form) return;
    // What was typed while the request was out stays too.
    var textarea = form.querySelector("textarea[name=text]");
    textarea.value = typed;
    form.dataset.draftBase = draftBase;
    if (window.htmx) window.htmx.process(replacement);
    setUp(form);
    if (hadFocus) {
      textarea.focus();
      textarea.setSelectionRange(start, end);
    }
  };

  function setUp(form) {
    if (form.dataset.autosaveReady) return;
    form.dataset.autosaveReady = "1";
    var autosave = new Autosave(form);
    form.autosave = autosave;
    autosave.start();
  }

  function scan(root) {
    if (root.matches && root.matches("form[data-draft-key]")) setUp(root);
    if (root.querySelectorAll) root.querySelectorAll("form[data-draft-key]").forEach(setUp);
  }

  function leave() {
    document.querySelectorAll("form[data-draft-key]").forEach(function (form) {
      if (form.autosave) form.autosave.save(true);
    });
  }

  scan(document);
  document.addEventListener("htmx:load", function (event) { scan(event.target); });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") leave();
  });
  window.addEventListener("pagehide", leave);
})();
