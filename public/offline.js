/* The offline page (public/offline.html): one language at a time, the report form's link only when the form is kept. */
(function () {
  "use strict";
  var languages = ["en", "es"];

  function preferred() {
    try {
      // Written by the app on every page (app/utils/service-worker.ts): the language last used.
      var saved = localStorage.getItem("testigo:language");
      if (languages.indexOf(saved) >= 0) return saved;
    } catch {
      // Storage blocked: the browser's languages decide.
    }
    var asked = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language];
    for (var i = 0; i < asked.length; i++) {
      var base = String(asked[i] || "").slice(0, 2).toLowerCase();
      if (languages.indexOf(base) >= 0) return base;
    }
    return "en";
  }

  function show(language, moveFocus) {
    document.documentElement.lang = language;
    document.querySelectorAll("[data-language]").forEach(function (section) {
      section.hidden = section.getAttribute("data-language") !== language;
      if (!section.hidden) document.title = section.getAttribute("data-title");
    });
    document.querySelectorAll("[data-switch]").forEach(function (button) {
      button.setAttribute("aria-pressed", String(button.getAttribute("data-switch") === language));
    });
    if (moveFocus) document.getElementById("offline-" + language).focus();
  }

  document.querySelectorAll("[data-switch]").forEach(function (button) {
    button.addEventListener("click", function () {
      show(button.getAttribute("data-switch"), true);
    });
  });
  document.querySelector("[data-switches]").hidden = false;
  show(preferred(), false);

  document.querySelectorAll("[data-retry]").forEach(function (button) {
    button.addEventListener("click", function () {
      location.reload();
    });
  });
  // The page that was asked for, as soon as there is signal again; unless the person is already on
  // their way somewhere (the report form): a reload now would cancel the page they tapped.
  var leaving = false;
  document.addEventListener("click", function (event) {
    if (event.target instanceof Element && event.target.closest("a[href]")) leaving = true;
  });
  window.addEventListener("pagehide", function () {
    leaving = true;
  });
  window.addEventListener("online", function () {
    if (!leaving && navigator.onLine) location.reload();
  });
  // Signal can come back before the network answers (or the page opened while the phone said it
  // was online, the server unreachable): while the phone says it is online, this page asks the
  // server (/healthz: small, never kept by the worker) after 2 and 4 s, then every 5 s, and loads
  // the page itself only once the server answers. Not a reload each time: that would flash the
  // page and drop the language someone just chose while the server is still away. A phone that
  // says it is offline asks nothing until it says it is online again.
  var key = "testigo:offline-retry";
  var waiting = false;
  function retryLater() {
    if (waiting) return;
    var state = { tries: 0, at: 0 };
    try {
      state = JSON.parse(sessionStorage.getItem(key) || "null") || state;
    } catch {
      // Storage blocked: start from the first delay each time.
    }
    // A retry longer ago than the longest wait belongs to an earlier outage.
    if (Date.now() - state.at > 60000) state.tries = 0;
    var delay = Math.min(5, Math.pow(2, state.tries + 1)) * 1000;
    waiting = true;
    setTimeout(function () {
      waiting = false;
      if (leaving || !navigator.onLine) return;
      try {
        sessionStorage.setItem(key, JSON.stringify({ tries: state.tries + 1, at: Date.now() }));
      } catch {
        // Storage blocked: the next delay is the first again.
      }
      fetch("/healthz", { cache: "no-store", credentials: "omit" })
        .then(function (response) {
          if (!response.ok) throw new Error("not yet");
          if (!leaving) location.reload();
        })
        .catch(function () {
          retryLater();
        });
    }, delay);
  }
  if (navigator.onLine) retryLater();
  window.addEventListener("online", function () {
    retryLater();
  });

  // The organisation's hotline, as the app last had it (app/utils/service-worker.ts): no network needed to call.
  try {
    var hotline = localStorage.getItem("testigo:hotline") || "";
    if (hotline) {
      document.querySelectorAll("[data-hotline-link]").forEach(function (link) {
        link.setAttribute("href", "tel:" + hotline.replace(/[^\d+]/g, ""));
        link.querySelector("[data-hotline-number]").textContent = hotline;
      });
      document.querySelectorAll("[data-hotline]").forEach(function (element) {
        element.hidden = false;
      });
    }
  } catch {
    // Storage blocked: no number to offer.
  }

  // Offering the form only makes sense when this phone keeps a copy of it (opened once with signal).
  if ("caches" in window) {
    caches.match("/reports/new").then(
      function (kept) {
        document.querySelectorAll("[data-form]").forEach(function (element) {
          element.hidden = element.getAttribute("data-form") !== (kept ? "kept" : "missing");
        });
      },
      function () {
        return undefined;
      }
    );
  }
})();
