// Chart colours come from VS Code's theme variables, read at run time (canvas cannot use var()).
// media/base.css (or a page's own stylesheet, where it differs) maps VS Code variables to the --lb-chart-* names
// read here, so the mapping lives in CSS.

/** Colours and font for charts, as canvas-ready CSS colour strings. */
export interface ChartTheme {
  line: string;
  lineFaint: string;
  grid: string;
  text: string;
  tooltipBackground: string;
  tooltipText: string;
  tooltipBorder: string;
  fontFamily: string;
  fontSize: number;
}

/** The colours of a chart.js tooltip in the theme, for any chart type's `plugins.tooltip`. */
export function tooltipColors(theme: ChartTheme): {
  backgroundColor: string;
  titleColor: string;
  bodyColor: string;
  borderColor: string;
  borderWidth: number;
} {
  return {
    backgroundColor: theme.tooltipBackground,
    titleColor: theme.tooltipText,
    bodyColor: theme.tooltipText,
    borderColor: theme.tooltipBorder,
    borderWidth: 1,
  };
}

// A hidden element whose computed colour resolves var(), color-mix() and names into rgb()/color() strings.
function resolveColor(probe: HTMLElement, variable: string): string {
  probe.style.color = `var(${variable})`;
  return getComputedStyle(probe).color;
}

/** Reads the chart colours of the current theme. */
export function readChartTheme(): ChartTheme {
  const probe = document.createElement('span');
  probe.hidden = true;
  document.body.append(probe);
  try {
    const style = getComputedStyle(document.body);
    return {
      line: resolveColor(probe, '--lb-chart-line'),
      lineFaint: resolveColor(probe, '--lb-chart-line-faint'),
      grid: resolveColor(probe, '--lb-chart-grid'),
      text: resolveColor(probe, '--lb-chart-text'),
      tooltipBackground: resolveColor(probe, '--lb-chart-tooltip-background'),
      tooltipText: resolveColor(probe, '--lb-chart-tooltip-text'),
      tooltipBorder: resolveColor(probe, '--lb-chart-tooltip-border'),
      fontFamily: style.fontFamily,
      fontSize: parseFloat(style.fontSize) || 13,
    };
  } finally {
    probe.remove();
  }
}

/** The current value of a CSS colour variable (one a page's stylesheet defines) as a canvas-ready colour. */
export function readCssColor(variable: string): string {
  const probe = document.createElement('span');
  probe.hidden = true;
  document.body.append(probe);
  try {
    return resolveColor(probe, variable);
  } finally {
    probe.remove();
  }
}

/** Calls `callback` when VS Code switches theme (it rewrites the body class and the root's variables). */
export function onThemeChange(callback: () => void): void {
  let pending = false;
  const observer = new MutationObserver(() => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      callback();
    });
  });
  observer.observe(document.body, { attributes: true, attributeFilter: ['class', 'data-vscode-theme-kind'] });
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ['style', 'class'] });
}
