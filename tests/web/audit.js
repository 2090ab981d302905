// The accessibility audit the browser tests run on every page they photograph (Playwright evaluates it even
// with the page's own JavaScript off). Returns a list of problems: WCAG AA contrast of every visible text
// against the first opaque background behind it, alt on every image, a name on every control, one h1, the
// landmarks and the skip link.
(() => {
  const problems = [];
  const parse = (css) => {
    const parts = (css.match(/rgba?\(([^)]+)\)/) || [, ""])[1].split(/[\s,\/]+/).filter(Boolean).map(Number);
    return parts.length >= 3 ? { rgb: parts.slice(0, 3), alpha: parts.length > 3 ? parts[3] : 1 } : null;
  };
  const luminance = (rgb) => {
    const [r, g, b] = rgb.map((v) => (v /= 255) <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4));
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const backdrop = (element) => {
    for (let e = element; e; e = e.parentElement) {
      const color = parse(getComputedStyle(e).backgroundColor);
      if (color && color.alpha > 0) return color.rgb;
    }
    return [255, 255, 255];
  };
  for (const element of document.querySelectorAll("body *")) {
    const style = getComputedStyle(element);
    const hasText = [...element.childNodes].some((node) => node.nodeType === 3 && node.textContent.trim());
    const skipped = element.closest(".visually-hidden, .skip-link, option");
    if (!hasText || skipped || !element.getClientRects().length) continue;
    const a = luminance(parse(style.color).rgb), b = luminance(backdrop(element));
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (parseInt(style.fontWeight) >= 700 && size >= 18.66);
    if (ratio < (large ? 3 : 4.5)) {
      problems.push(`contrast ${ratio.toFixed(2)}: "${element.textContent.trim().slice(0, 40)}"`);
    }
  }
  for (const img of document.querySelectorAll("img:not([alt])")) problems.push(`image without alt: ${img.src}`);
  for (const control of document.querySelectorAll("input:not([type=hidden]), select, textarea, button")) {
    const named = control.labels.length || (control.tagName === "BUTTON" && control.textContent.trim());
    if (!named) problems.push(`control without a label: ${control.name || control.outerHTML.slice(0, 60)}`);
  }
  if (document.querySelectorAll("h1").length !== 1) problems.push("not exactly one h1");
  for (const selector of ["header", "nav, form", "main#main", "footer", "body > a.skip-link[href='#main']"]) {
    if (!document.querySelector(selector)) problems.push(`missing ${selector}`);
  }
  return problems;
})
