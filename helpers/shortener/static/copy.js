// The copy button: put the short link on the clipboard and say so.
document.querySelectorAll("button[data-copy-from]").forEach((button) => {
  button.addEventListener("click", async () => {
    const text = document.getElementById(button.dataset.copyFrom).textContent;
    const status = document.getElementById("copy-status");
    try {
      await navigator.clipboard.writeText(text);
      status.textContent = "Copied.";
    } catch {
      status.textContent = "Select the link and copy it by hand.";
    }
  });
});
