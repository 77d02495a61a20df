// A launcher card and a command-palette entry, "New AutoML wizard", that open a new notebook
// whose first cell holds the jupyter_automl wizard, ready to run.
import { ICommandPalette } from "@jupyterlab/apputils";
import { ILauncher } from "@jupyterlab/launcher";
import { LabIcon } from "@jupyterlab/ui-components";

export const COMMAND = "jupyter-automl:new-wizard";
export const PALETTE_LABEL = "New AutoML wizard";
export const LAUNCHER_LABEL = "AutoML wizard";
// its own launcher section: cards in the "Notebook" section show a kernel logo, not an icon
export const CATEGORY = "AutoML";
export const WIZARD_SOURCE = [
  "# The AutoML wizard: run this cell (Shift+Enter), then choose your data or a demo dataset.",
  "from jupyter_automl import Wizard",
  "",
  "wizard = Wizard()",
  "wizard",
].join("\n");

// A magic wand over a rising line: "automatic modelling". jp-icon classes follow the theme.
const ICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" width="24" height="24">
  <g class="jp-icon3" fill="#616161">
    <path d="M3 20h18v1.5H3z"/>
    <path d="M4 17.5l4.2-4.6 3.3 2.6 4.6-6 1.2.9-5.5 7.1-3.3-2.6-3.4 3.7z"/>
  </g>
  <g class="jp-icon-warn0" fill="#f57c00">
    <path d="M17.6 2.2l.7 1.6 1.6.7-1.6.7-.7 1.6-.7-1.6-1.6-.7 1.6-.7z"/>
    <path d="M21 7.2l.4.9.9.4-.9.4-.4.9-.4-.9-.9-.4.9-.4z"/>
  </g>
</svg>`;

export const automlIcon = new LabIcon({ name: "jupyter-automl:wizard", svgstr: ICON_SVG });

/** The default kernel's name, so the new notebook does not ask which kernel to use. */
function defaultKernel(app) {
  const specs = app.serviceManager.kernelspecs.specs;
  return specs ? specs.default : undefined;
}

async function openWizardNotebook(app, args) {
  await app.serviceManager.kernelspecs.ready;
  const panel = await app.commands.execute("notebook:create-new", {
    cwd: args.cwd || "",
    kernelName: args.kernelName || defaultKernel(app),
  });
  await panel.context.ready;
  const cell = panel.content.model.cells.get(0);
  cell.sharedModel.setSource(WIZARD_SOURCE);
  panel.content.activeCellIndex = 0;
  return panel;
}

const plugin = {
  id: "jupyter-automl-launcher:plugin",
  description: "Open a new notebook with the jupyter_automl wizard cell ready.",
  autoStart: true,
  optional: [ILauncher, ICommandPalette],
  activate: (app, launcher, palette) => {
    app.commands.addCommand(COMMAND, {
      label: (args) => (args.isPalette ? PALETTE_LABEL : LAUNCHER_LABEL),
      caption: "Open a new notebook with the AutoML wizard cell ready to run",
      icon: (args) => (args.isPalette ? undefined : automlIcon),
      execute: (args) => openWizardNotebook(app, args),
    });
    if (launcher) {
      launcher.add({ command: COMMAND, category: CATEGORY, rank: 1 });
    }
    if (palette) {
      palette.addItem({ command: COMMAND, category: "AutoML", args: { isPalette: true } });
    }
  },
};

export default plugin;
