"use strict";
// A long list to choose from (a select marked data-searchable) gets a box above it that
// narrows the list while one types: words in any order, capitals and accents ignored; when
// one choice is left it is chosen. Without JavaScript the list works as it is, and the
// server checks the choice either way. (A page with several such lists loads this once per
// list: each list is enhanced once.)
document.querySelectorAll("select[data-searchable]:not([data-enhanced])").forEach(function (select) {
  select.dataset.enhanced = "";
  var all = Array.prototype.slice.call(select.options);
  var box = document.createElement("input");
  var label = document.createElement("label");
  var status = document.createElement("p");
  box.type = "search";
  box.id = select.id + "-filter";
  box.className = "picker-filter";
  box.setAttribute("autocomplete", "off");
  box.setAttribute("aria-controls", select.id);
  label.htmlFor = box.id;
  label.className = "hint";
  label.textContent = select.dataset.filterLabel;
  status.className = "hint";
  status.setAttribute("aria-live", "polite");
  select.parentNode.insertBefore(label, select);
  select.parentNode.insertBefore(box, select);
  select.parentNode.insertBefore(status, select.nextSibling);

  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  box.addEventListener("input", function () {
    var words = fold(box.value).split(/\s+/).filter(Boolean);
    var chosen = select.value;
    var shown = all.filter(function (option) {
      if (!option.value) { return true; }  // the "Choose…" line stays
      var text = fold(option.textContent);
      return words.every(function (word) { return text.indexOf(word) !== -1; });
    });
    var matches = shown.filter(function (option) { return option.value; });
    select.replaceChildren.apply(select, shown);
    if (words.length && matches.length === 1) {
      select.value = matches[0].value;
    } else if (!matches.some(function (option) { return option.value === chosen; })) {
      select.value = "";
    } else {
      select.value = chosen;
    }
    status.textContent = !words.length ? "" : matches.length
      ? select.dataset.found.replace("#", String(matches.length)) : select.dataset.none;
  });
});
