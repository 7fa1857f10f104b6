// The review desk's few behaviours: keyboard decisions, passages, job progress.
// No inline scripts anywhere: the Content-Security-Policy allows this file only.
(function () {
  "use strict";

  function typing(event) {
    var t = event.target;
    return t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName) && t.type !== "checkbox");
  }

  // One key a section: a button submits the decision; a checkbox (multi-label) toggles.
  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || typing(event)) return;
    var key = event.key === "Enter" ? "Enter" : event.key.toLowerCase();
    // Enter on a focused button or link (reached with Tab) does what that one does.
    if (key === "Enter" && event.target && /^(BUTTON|A)$/.test(event.target.tagName)) return;
    var target = document.querySelector('[data-key="' + (window.CSS && CSS.escape ? CSS.escape(key) : key) + '"]');
    if (!target) return;
    event.preventDefault();
    if (target.type === "checkbox") {
      target.checked = !target.checked;
    } else if (!target.disabled) {
      target.click();
    }
  });

  // Prevent double submissions while a decision is on its way.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset.sent) { event.preventDefault(); return; }
    form.dataset.sent = "1";
  });

  // The passages that drove the call (server-rendered, escaped HTML fragment).
  var text = document.getElementById("text");
  if (text && text.dataset.src) {
    fetch(text.dataset.src, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var block = doc.querySelector(".passages");
        if (!block) return;
        var live = block.querySelector("#live-call");
        var slot = document.getElementById("live");
        if (live && slot) { slot.replaceChildren(document.importNode(live, true)); live.remove(); }
        text.replaceChildren(document.importNode(block, true));
        text.dataset.loaded = "1";
      })
      .catch(function () { text.dataset.loaded = "error"; });
  }

  // Background job progress (retrain, compare): poll until it ends, then reload.
  var job = document.getElementById("job");
  if (job && (job.dataset.status === "queued" || job.dataset.status === "running")) {
    var poll = function () {
      fetch("/desk/jobs/" + encodeURIComponent(job.dataset.job), { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (state) {
          document.getElementById("job-progress").value = state.progress;
          document.getElementById("job-status").textContent = state.status;
          document.getElementById("job-message").textContent = state.error || state.message;
          job.dataset.status = state.status;
          if (state.status === "done" || state.status === "failed") {
            window.location.reload();
          } else {
            window.setTimeout(poll, 700);
          }
        })
        .catch(function () { window.setTimeout(poll, 2000); });
    };
    window.setTimeout(poll, 300);
  }
})();
