// Before a handover is sent: which ticked topics the resident's valid consent for the chosen
// organisation and purpose does not cover, said in the page's own sentences (from the
// server), with what to do. The server decides again when the form is sent.
(function () {
  "use strict";
  var form = document.getElementById("handover-form");
  var box = document.getElementById("consent-warning");
  if (!form || !box) { return; }
  var consents = JSON.parse(form.getAttribute("data-consents") || "[]");

  function ticked() {
    return Array.prototype.map.call(
      form.querySelectorAll("input[name='data_categories']:checked"),
      function (input) { return input.value; });
  }

  function labelOf(category) {
    var input = form.querySelector("input[name='data_categories'][value='" + category + "']");
    var label = input && input.closest("label");
    return label ? label.textContent.trim() : category;
  }

  function update() {
    var organization = form.elements.organization_id.value;
    var purpose = form.querySelector("input[name='purpose']:checked");
    var topics = ticked();
    var message = "";
    if (organization && purpose && topics.length) {
      var missing = null;
      consents.forEach(function (consent) {
        if (consent.organization !== organization || consent.purpose !== purpose.value) { return; }
        var lacking = topics.filter(function (t) { return consent.categories.indexOf(t) < 0; });
        if (missing === null || lacking.length < missing.length) { missing = lacking; }
      });
      if (missing === null) {
        message = form.getAttribute("data-no-consent");
      } else if (missing.length) {
        message = form.getAttribute("data-not-covered")
          .replace("%(categories)s", missing.map(labelOf).join(", "));
      }
    }
    box.textContent = message;
    box.hidden = !message;
  }

  form.addEventListener("change", update);
  // A searchable list may choose its one match while the coach types in its box.
  form.addEventListener("input", update);
  update();
}());
