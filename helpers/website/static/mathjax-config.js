// MathJax 3 reads this before it loads: $...$ and $$...$$ as in the notebooks, drawn as SVG.
window.MathJax = {
  tex: {
    inlineMath: [["$", "$"], ["\\(", "\\)"]],
    displayMath: [["$$", "$$"], ["\\[", "\\]"]],
    processEscapes: true,
  },
  svg: { fontCache: "global" },
};
