/* Copy buttons of the transfer block: <button class="copy" data-copy="text" data-done="message" hidden>.
   Without this script the buttons stay hidden and the data is plain text to select. With it, a button
   (a real <button>: Enter and Space work) copies its text, and the block's status line (role="status")
   says so, which screen readers announce. Loaded by each block: the guard binds once per page. */
(function () {
  "use strict";
  if (window.ibokCopyButtons) { return; }
  window.ibokCopyButtons = true;

  function fallbackCopy(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    var done = false;
    try { done = document.execCommand("copy"); } catch (e) { done = false; }
    document.body.removeChild(area);
    return done ? Promise.resolve() : Promise.reject(new Error("copy refused"));
  }

  function copy(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () { return fallbackCopy(text); });
    }
    return fallbackCopy(text);
  }

  function say(button, message) {
    var block = button.closest("section") || document;
    var status = block.querySelector(".copy-status");
    if (!status) { return; }
    status.textContent = "";  /* the same message twice is announced twice */
    window.setTimeout(function () { status.textContent = message; }, 50);
  }

  function start() {
    document.querySelectorAll("button.copy[data-copy]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        copy(button.getAttribute("data-copy")).then(function () {
          say(button, button.getAttribute("data-done"));
        }, function () {
          say(button, button.getAttribute("data-failed") || "");
        });
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
