// Draw every ```mermaid block of the page with the mermaid.min.js beside this file.
// When all are drawn (or have failed), <body data-diagrams="..."> says so.
document.addEventListener("DOMContentLoaded", async () => {
  const blocks = [...document.querySelectorAll(".jp-Mermaid > pre.mermaid")];
  mermaid.initialize({ startOnLoad: false, securityLevel: "strict", theme: "default" });
  try {
    await mermaid.run({ nodes: blocks });
    document.body.dataset.diagrams = "drawn";
  } catch (error) {
    document.body.dataset.diagrams = "failed";
    console.error(error);
  }
});
