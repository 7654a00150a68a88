/* Chapar's only script: progressive enhancement on top of htmx. Every page works without it. */
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  // htmx requests carry the CSRF token in a header, as Flask-WTF expects (WTF_CSRF_HEADERS).
  document.addEventListener("htmx:configRequest", function (event) {
    var verb = (event.detail.verb || "get").toUpperCase();
    if (verb !== "GET" && verb !== "HEAD") {
      event.detail.headers["X-CSRFToken"] = csrfToken();
    }
  });

  // A boosted swap replaces <body> but not <head>: refresh the token from the new page's
  // meta, since logging in issues a fresh session (and token).
  document.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    var text = xhr && typeof xhr.responseText === "string" ? xhr.responseText : "";
    var match = text.match(/<meta name="csrf-token" content="([^"]+)"/);
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (match && meta) {
      meta.setAttribute("content", match[1]);
    }
  });

  // What is typed while htmx re-renders a form marked data-keep-typed (the program form after a
  // channel change) is not lost when the new form replaces the old: fields edited after the
  // request went out keep the person's value (the answer was built from what was sent before).
  // Only where field names are stable across re-renders: the segment builder renumbers its rows.
  var typed = new WeakMap(); // field -> time of its last edit
  var carried = {}; // id of the element being replaced -> {field name: value}
  document.addEventListener("input", function (event) {
    if (event.target.name) {
      typed.set(event.target, Date.now());
    }
  }, true);
  document.addEventListener("htmx:beforeRequest", function (event) {
    event.detail.target.chaparRequestedAt = Date.now();
  });
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (!target.id || !target.hasAttribute || !target.hasAttribute("data-keep-typed") || !target.chaparRequestedAt) {
      return;
    }
    var values = {};
    Array.prototype.forEach.call(target.querySelectorAll("input[name], textarea[name], select[name]"), function (field) {
      if ((typed.get(field) || 0) < target.chaparRequestedAt || field.type === "file") {
        return;
      }
      if (field.type === "checkbox") {
        values[field.name] = {checked: field.checked};
      } else if (field.type === "radio") {
        values[field.name] = {chosen: field.checked ? field.value : null};
      } else {
        values[field.name] = {value: field.value};
      }
    });
    if (Object.keys(values).length) {
      carried[target.id] = values;
    }
  });
  document.addEventListener("htmx:afterSettle", function () {
    Object.keys(carried).forEach(function (id) {
      var root = document.getElementById(id);
      var values = carried[id];
      delete carried[id];
      if (!root) {
        return;
      }
      Object.keys(values).forEach(function (name) {
        Array.prototype.forEach.call(root.querySelectorAll("[name]"), function (field) {
          if (field.name !== name) {
            return;
          }
          var kept = values[name];
          if (field.type === "checkbox" && "checked" in kept) {
            field.checked = kept.checked;
          } else if (field.type === "radio" && "chosen" in kept) {
            field.checked = field.value === kept.chosen;
          } else if ("value" in kept && field.type !== "file") {
            field.value = kept.value;
          }
        });
      });
    });
  });

  // Controls only useful with this script carry class="js-only" (hidden until it runs).
  document.documentElement.classList.add("js");

  // <input type="checkbox" data-check-all="ids"> ticks or clears every checkbox name="ids" of its form.
  document.addEventListener("change", function (event) {
    var master = event.target.closest("[data-check-all]");
    if (!master || !master.form) {
      return;
    }
    var name = master.getAttribute("data-check-all");
    Array.prototype.forEach.call(master.form.elements, function (box) {
      if (box.type === "checkbox" && box.name === name) {
        box.checked = master.checked;
      }
    });
  });

  // Signing out forgets the pages htmx kept for the back button (htmx 2 keeps them in
  // sessionStorage; htmx 1 used localStorage), so the next person at this browser cannot
  // bring them back.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var action = form && form.getAttribute ? form.getAttribute("action") || "" : "";
    if (/\/logout$/.test(action.split("?")[0])) {
      try {
        window.sessionStorage.removeItem("htmx-history-cache");
        window.sessionStorage.removeItem("htmx-current-path-for-history");
        window.localStorage.removeItem("htmx-history-cache");
      } catch (e) {
        // storage disabled: nothing was kept
      }
    }
  }, true);

  // Buttons that ask first: <button data-confirm="Delete this user?">. Without JS, no prompt.
  document.addEventListener("click", function (event) {
    var target = event.target.closest("[data-confirm]");
    if (target && !window.confirm(target.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopPropagation();
    }
  }, true);
})();
