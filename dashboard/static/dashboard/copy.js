/* Copy buttons: <button data-copy-target="ID"> copies the text of element ID. */
(function () {
  "use strict";
  function fallbackCopy(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    document.body.removeChild(area);
    return ok ? Promise.resolve() : Promise.reject(new Error("copy refused"));
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy-target]");
    if (!button) { return; }
    event.preventDefault();
    var source = document.getElementById(button.getAttribute("data-copy-target"));
    if (!source) { return; }
    var text = (source.value !== undefined ? source.value : source.textContent).trim();
    var copying = navigator.clipboard && window.isSecureContext
      ? navigator.clipboard.writeText(text) : fallbackCopy(text);
    var label = button.textContent;
    copying.then(function () { button.textContent = "Copied"; },
                 function () { button.textContent = "Select and copy"; })
      .then(function () { setTimeout(function () { button.textContent = label; }, 2000); });
  });
})();
