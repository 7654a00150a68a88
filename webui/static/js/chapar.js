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

  // Buttons that ask first: <button data-confirm="Delete this user?">. Without JS, no prompt.
  document.addEventListener("click", function (event) {
    var target = event.target.closest("[data-confirm]");
    if (target && !window.confirm(target.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopPropagation();
    }
  }, true);
})();
