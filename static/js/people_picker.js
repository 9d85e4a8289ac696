/*
 * People pickers (accounts/widgets.py, PeoplePicker): a type-ahead over the server's
 * search, and chips for the people picked.
 *
 * 1. The text input becomes an ARIA combobox: typing asks /accounts/people/?q=...
 *    (150 ms after the last keystroke; an older answer arriving late is dropped) and
 *    the answer, listbox options, fills the listbox.
 * 2. Arrow keys move through the options, Enter picks, Escape closes, Backspace on
 *    an empty input removes the last chip; a click picks too.
 * 3. A pick becomes a chip: a checked (hidden) checkbox that submits the id, the name,
 *    and a button that removes it ("Change" when the field holds one person).
 * 4. Whatever is left typed is sent as before and resolved by the server, as
 *    without JavaScript.
 * Bound on htmx:load, so forms swapped in later get it too.
 */
(function () {
  "use strict";

  var DEBOUNCE_MS = 150;

  function announce(picker, text) {
    var status = picker.querySelector("[data-picker-status]");
    if (status) {
      status.textContent = text;
    }
  }

  function chipList(picker, input) {
    var list = picker.querySelector(".people-picker__chips");
    if (!list) {
      list = document.createElement("ul");
      list.className = "people-picker__chips";
      list.setAttribute(
        "aria-label",
        picker.hasAttribute("data-multiple") ? "Picked people" : "Picked person"
      );
      picker.insertBefore(list, picker.querySelector(".people-picker__choices") || input);
    }
    return list;
  }

  function chipName(chip) {
    var label = chip.querySelector("label, .people-picker__chip-name");
    return label ? label.textContent.trim() : "";
  }

  function enhanceChip(picker, input, chip) {
    if (chip.hasAttribute("data-enhanced")) {
      return;
    }
    chip.setAttribute("data-enhanced", "");
    var multiple = picker.hasAttribute("data-multiple");
    var box = chip.querySelector("input[type=checkbox]");
    var label = chip.querySelector("label");
    var name = chipName(chip);
    if (box) {
      box.hidden = true; // still checked, still submitted
    }
    if (label) {
      var span = document.createElement("span");
      span.className = "people-picker__chip-name";
      span.textContent = name;
      label.replaceWith(span);
    }
    var button = document.createElement("button");
    button.type = "button";
    button.className = "people-picker__remove";
    if (multiple) {
      button.textContent = "×";
      button.setAttribute("aria-label", "Remove " + name);
    } else {
      button.textContent = "Change";
      button.setAttribute("aria-label", "Change " + name);
    }
    button.addEventListener("click", function () {
      removeChip(picker, input, chip);
    });
    chip.appendChild(button);
  }

  function removeChip(picker, input, chip) {
    var name = chipName(chip);
    chip.remove();
    announce(picker, name + " removed.");
    input.focus();
  }

  function pickedValues(picker) {
    var values = {};
    picker.querySelectorAll(".people-picker__chip input[type=checkbox]").forEach(function (box) {
      values[box.value] = true;
    });
    return values;
  }

  function addChip(picker, input, value, name) {
    var multiple = picker.hasAttribute("data-multiple");
    var list = chipList(picker, input);
    if (!multiple) {
      list.querySelectorAll(".people-picker__chip").forEach(function (chip) {
        chip.remove();
      });
      picker.querySelectorAll(".people-picker__choices input").forEach(function (choice) {
        choice.checked = false;
      });
    }
    if (pickedValues(picker)[value]) {
      return;
    }
    var chip = document.createElement("li");
    chip.className = "people-picker__chip";
    chip.setAttribute("data-value", value);
    var box = document.createElement("input");
    box.type = "checkbox";
    box.name = picker.getAttribute("data-name");
    box.value = value;
    box.checked = true;
    var span = document.createElement("span");
    span.className = "people-picker__chip-name";
    span.textContent = name;
    chip.appendChild(box);
    chip.appendChild(span);
    list.appendChild(chip);
    enhanceChip(picker, input, chip);
    announce(picker, name + (multiple ? " added." : " picked."));
  }

  // The term being typed: after the last comma in a multiple picker.
  function currentTerm(picker, input) {
    if (!picker.hasAttribute("data-multiple")) {
      return input.value.trim();
    }
    var parts = input.value.split(",");
    return parts[parts.length - 1].trim();
  }

  function dropCurrentTerm(picker, input) {
    if (!picker.hasAttribute("data-multiple")) {
      input.value = "";
      return;
    }
    var parts = input.value.split(",");
    parts.pop();
    var kept = parts.map(function (part) {
      return part.trim();
    }).filter(Boolean);
    input.value = kept.length ? kept.join(", ") + ", " : "";
  }

  function bind(picker) {
    if (picker.hasAttribute("data-picker-bound")) {
      return;
    }
    picker.setAttribute("data-picker-bound", "");
    var input = picker.querySelector("input[type=text]");
    var listbox = picker.querySelector("[role=listbox]");
    if (!input || !listbox) {
      return;
    }
    var searchUrl = picker.getAttribute("data-search-url");
    var active = -1;
    var timer = null;
    var asked = 0;

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listbox.id);
    input.setAttribute("aria-activedescendant", "");
    picker.querySelectorAll(".people-picker__chip").forEach(function (chip) {
      enhanceChip(picker, input, chip);
    });

    function options() {
      return Array.prototype.slice.call(
        listbox.querySelectorAll("[role=option]:not([aria-disabled=true])")
      );
    }

    function close() {
      listbox.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.setAttribute("aria-activedescendant", "");
      active = -1;
    }

    function open() {
      listbox.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }

    function setActive(index) {
      var all = options();
      if (!all.length) {
        return;
      }
      active = (index + all.length) % all.length;
      all.forEach(function (option, i) {
        option.setAttribute("aria-selected", i === active ? "true" : "false");
      });
      input.setAttribute("aria-activedescendant", all[active].id);
      all[active].scrollIntoView({ block: "nearest" });
    }

    function pick(option) {
      addChip(picker, input, option.getAttribute("data-value"), option.getAttribute("data-label"));
      dropCurrentTerm(picker, input);
      close();
      input.focus();
    }

    function search() {
      var term = currentTerm(picker, input);
      if (!term) {
        listbox.innerHTML = "";
        close();
        return;
      }
      var ask = ++asked;
      var url = searchUrl + (searchUrl.indexOf("?") === -1 ? "?" : "&") + "q=" + encodeURIComponent(term);
      fetch(url, { headers: { "HX-Request": "true" }, credentials: "same-origin" })
        .then(function (response) {
          return response.ok ? response.text() : "";
        })
        .then(function (html) {
          if (ask !== asked) {
            return; // a newer search is on its way
          }
          listbox.innerHTML = html;
          var picked = pickedValues(picker);
          listbox.querySelectorAll("[role=option]").forEach(function (option, i) {
            option.id = listbox.id + "_" + i;
            if (picked[option.getAttribute("data-value")]) {
              option.remove();
            }
          });
          active = -1;
          input.setAttribute("aria-activedescendant", "");
          var count = options().length;
          announce(picker, count === 1 ? "1 person found." : count + " people found.");
          open();
        })
        .catch(function () {
          close();
        });
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(search, DEBOUNCE_MS);
    });

    input.addEventListener("keydown", function (event) {
      var expanded = !listbox.hidden;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        if (!expanded) {
          if (!options().length) {
            search();
            return;
          }
          open();
        }
        setActive(active + (event.key === "ArrowDown" ? 1 : -1));
      } else if (event.key === "Enter") {
        var all = options();
        if (expanded && active >= 0 && all[active]) {
          event.preventDefault();
          pick(all[active]);
        }
      } else if (event.key === "Escape") {
        if (expanded) {
          event.preventDefault();
          event.stopPropagation();
          close();
        }
      } else if (event.key === "Backspace" && input.value === "") {
        var chips = picker.querySelectorAll(".people-picker__chip");
        if (chips.length) {
          event.preventDefault();
          removeChip(picker, input, chips[chips.length - 1]);
        }
      }
    });

    input.addEventListener("blur", function () {
      window.setTimeout(close, 150);
    });

    listbox.addEventListener("mousedown", function (event) {
      event.preventDefault(); // keep the focus in the input
    });
    listbox.addEventListener("click", function (event) {
      var option = event.target.closest("[role=option]");
      if (option && option.getAttribute("aria-disabled") !== "true") {
        pick(option);
      }
    });
  }

  function bindAll(root) {
    var scope = root && root.querySelectorAll ? root : document;
    if (scope.matches && scope.matches("[data-people-picker]")) {
      bind(scope);
    }
    scope.querySelectorAll("[data-people-picker]").forEach(bind);
  }

  document.addEventListener("htmx:load", function (event) {
    bindAll(event.target);
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () {
      bindAll(document);
    });
  } else {
    bindAll(document);
  }
})();
