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
