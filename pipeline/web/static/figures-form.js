// The figures page's filter form: choosing in a list applies it at once, so a question
// such as "Cambodia, pensions, 2024" takes three choices and no extra click, and empty
// fields are left out of the address so it stays short enough to read and share.
(function () {
  "use strict";
  const form = document.querySelector("form.fw-form");
  if (!form) return;
  const submit = () => form.requestSubmit();
  for (const control of form.querySelectorAll("[data-autosubmit]")) {
    control.addEventListener("change", submit);
  }
  // A typed box submits on Enter like any field; picking a suggestion of its datalist
  // arrives as an input event that is not typing, and counts as a choice.
  for (const box of form.querySelectorAll("[data-pick-submits]")) {
    box.addEventListener("input", (event) => {
      if (!event.inputType || event.inputType === "insertReplacementText") submit();
    });
  }
  form.addEventListener("formdata", (event) => {
    for (const [name, value] of [...event.formData.entries()]) {
      if (value === "") event.formData.delete(name);
    }
  });
})();
