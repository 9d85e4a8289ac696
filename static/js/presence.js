/*
 * Presence in the postmortem editor (the form#presence of presence/bar.html).
 *
 * 1. The section being edited is the closest [data-section] ancestor of the focused
 *    element. Focus moving into another section is reported at once; focus leaving
 *    for nowhere (a click on blank space) keeps the last section.
 * 2. Every data-presence-interval seconds (10 by default; the server's answer says
 *    how often) the report goes again, so the others' lines and slots stay current.
 *    Nothing polls while the tab is hidden; coming back reports at once.
 * 3. On pagehide a beacon says "left" (with the CSRF token in the form data), so the
 *    others see this person go at their next poll instead of 45 s later.
 * 4. The answer replaces the "Also here" line and fills each section's slot out of
 *    band. A section form swapped by its own save comes back with an empty slot: the
 *    last known content is put back. Arrivals and departures (not changes of section)
 *    are announced in the polite live region.
 * Without JavaScript none of this runs: nothing polls and the editor is as before.
 */
(function () {
  "use strict";

  var form = document.querySelector("form[data-presence]");
  if (!form || !window.htmx) return;
  var input = form.querySelector("input[name=section]");
  var announcer = form.querySelector("[data-presence-announce]");
  var current = "";
  var timer = null;
  var before = null; // names shown before the request in flight
  var slots = {}; // slot id -> its last known content

  function sectionOf(element) {
    var holder = element && element.closest ? element.closest("[data-section]") : null;
    return holder ? holder.getAttribute("data-section") : "";
  }

  function intervalMs() {
    var line = document.getElementById("presence-people");
    var seconds = line ? parseFloat(line.getAttribute("data-presence-interval")) : NaN;
    return (seconds > 0 ? seconds : 10) * 1000;
  }

  function names() {
    var found = [];
    form.querySelectorAll("[data-presence-person]").forEach(function (person) {
      found.push(person.getAttribute("data-presence-person"));
    });
    return found;
  }

  function report() {
    input.value = current;
    window.htmx.trigger(form, "presence-report");
  }

  function schedule() {
    window.clearTimeout(timer);
    timer = null;
    if (document.visibilityState === "hidden") return;
    timer = window.setTimeout(function () {
      report();
      schedule();
    }, intervalMs());
  }

  function announce(previous, now) {
    var joined = now.filter(function (name) { return previous.indexOf(name) < 0; });
    var left = previous.filter(function (name) { return now.indexOf(name) < 0; });
    var words = [];
    if (joined.length) words.push(joined.join(", ") + " joined.");
    if (left.length) words.push(left.join(", ") + " left.");
    if (words.length) announcer.textContent = words.join(" ");
  }

  document.addEventListener("focusin", function (event) {
    var section = sectionOf(event.target);
    if (section === current) return;
    current = section;
    report();
    schedule();
  });

  form.addEventListener("htmx:beforeRequest", function () {
    if (before === null) before = names();
  });

  document.body.addEventListener("htmx:afterSettle", function (event) {
    var settled = event.target;
    if (settled.id === "presence-people") {
      // Our answer (its slots are swapped by now): remember the slots, and announce who
      // came and went, except on the first answer, which is how the page starts.
      document.querySelectorAll(".presence-slot[id]").forEach(function (slot) {
        slots[slot.id] = slot.innerHTML;
      });
      var now = names();
      if (before !== null && form.hasAttribute("data-presence-seen")) announce(before, now);
      form.setAttribute("data-presence-seen", "");
      before = null;
      schedule(); // the next report one interval (as the answer says) from now
      return;
    }
    if (settled.closest && settled.closest(".presence-slot")) return;
    // Another swap (a section saved, a list redrawn): put back what its slots showed.
    document.querySelectorAll(".presence-slot[id]").forEach(function (slot) {
      if (slots[slot.id] !== undefined && slot.innerHTML !== slots[slot.id]) {
        slot.innerHTML = slots[slot.id];
      }
    });
  });

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") {
      window.clearTimeout(timer);
      timer = null;
    } else {
      report();
      schedule();
    }
  });

  window.addEventListener("pagehide", function () {
    window.clearTimeout(timer);
    timer = null;
    var data = new FormData(form);
    data.set("left", "1");
    if (navigator.sendBeacon) navigator.sendBeacon(form.action, data);
  });

  window.addEventListener("pageshow", function (event) {
    if (event.persisted) {
      report(); // back from the back/forward cache: say we are here again
      schedule();
    }
  });

  function start() {
    current = sectionOf(document.activeElement);
    report();
    schedule();
  }
  // htmx sets up the page's elements on DOMContentLoaded, which comes after this
  // deferred script ran (readyState is "interactive" then): the first report waits
  // for it, or the form would not be listening yet.
  if (document.readyState === "complete") {
    start();
  } else {
    document.addEventListener("DOMContentLoaded", start);
  }
})();
