// Sizing calculator (templates/clauses/drafting_*.html): shows the parameters of the chosen method only, and fills in
// the labour share of the chosen trade. Without JavaScript every field stays visible and the server does the same.
(function () {
  "use strict";
  var form = document.getElementById("sizing-form");
  if (!form) {
    return;
  }
  var radios = form.querySelectorAll("input[name='method']");
  var fieldsets = form.querySelectorAll("[data-sizing-method]");

  function currentMethod() {
    for (var i = 0; i < radios.length; i += 1) {
      if (radios[i].checked) {
        return radios[i].value;
      }
    }
    return "labour_share";
  }

  // DSFR's fieldsets set their own display, which wins over the hidden attribute: set both.
  function setHidden(element, hidden) {
    element.hidden = hidden;
    element.style.display = hidden ? "none" : "";
  }

  function showMethod() {
    var method = currentMethod();
    fieldsets.forEach(function (fieldset) {
      var own = fieldset.getAttribute("data-sizing-method") === method;
      // The amount belongs to both methods: it stays visible; the other method's own fields are hidden.
      fieldset.querySelectorAll(".fr-fieldset__element").forEach(function (element) {
        var amount = element.querySelector("input[name='amount_ht']");
        setHidden(element, !own && !amount);
      });
      if (fieldset.getAttribute("data-sizing-method") === "invoiced_tranche") {
        setHidden(fieldset, !own);
      }
    });
  }

  radios.forEach(function (radio) {
    radio.addEventListener("change", showMethod);
  });
  showMethod();

  var shares = document.getElementById("sizing-labour-shares");
  var trade = form.querySelector("select[name='trade']");
  var share = form.querySelector("input[name='labour_share']");
  if (shares && trade && share) {
    var byTrade = JSON.parse(shares.textContent);
    trade.addEventListener("change", function () {
      if (byTrade[trade.value]) {
        share.value = byTrade[trade.value].replace(".", ",");
      }
    });
  }
})();
