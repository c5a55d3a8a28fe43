// The new-letter form: the recipient and legal basis follow the kind chosen in the dropdown.
// Text still as prefilled for the previous kind (or empty) becomes the new kind's usual text;
// text the drafter wrote is kept. The server applies the same rule when the form is saved.
(function () {
  "use strict";
  var data = document.getElementById("kind-defaults");
  var kind = document.getElementById("id_kind");
  if (!data || !kind || kind.disabled) {
    return;
  }
  var defaults = JSON.parse(data.textContent);
  var flat = function (text) {
    return (text || "").split(/\s+/).join(" ").trim().toLowerCase();
  };
  var previous = kind.value;
  kind.addEventListener("change", function () {
    var before = defaults[previous] || {};
    var now = defaults[kind.value] || {};
    ["recipient", "legal_basis"].forEach(function (name) {
      var input = document.getElementById("id_" + name);
      if (input && (!flat(input.value) || flat(input.value) === flat(before[name]))) {
        input.value = now[name] || "";
      }
    });
    previous = kind.value;
  });
})();
