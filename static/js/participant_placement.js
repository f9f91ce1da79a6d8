/* Placement of a participant: once a clause is chosen, the list of employer companies offers only the companies
 * awarded that clause's lot (holder, co-contractors, subcontractors). Without JavaScript every company stays offered
 * and the server refuses one that is not awarded the lot, with a French message. */
(function () {
  "use strict";
  var data = document.getElementById("placement-companies-by-clause");
  var clause = document.getElementById("id_clause");
  var company = document.getElementById("id_employer_company");
  if (!data || !clause || !company) {
    return;
  }
  var companiesByClause = JSON.parse(data.textContent);

  function narrow() {
    var allowed = companiesByClause[clause.value];
    Array.prototype.forEach.call(company.options, function (option) {
      if (!option.value) {
        return;
      }
      var offered = !allowed || allowed.indexOf(parseInt(option.value, 10)) !== -1;
      option.hidden = !offered;
      option.disabled = !offered;
      if (!offered && option.selected) {
        company.value = "";
      }
    });
  }

  clause.addEventListener("change", narrow);
  narrow();
})();
