// LiveSearch (jupyter_automl/widgets/live.py): the live view of one search.

import { connect } from "./lib/protocol.js";
import { createStore } from "./lib/store.js";
import { useMetricLabels } from "./lib/format.js";
import { createRunView } from "./lib/run.js";
import { h } from "./lib/dom.js";

export default () => {
  let store = null;
  let connection = null;
  return {
    initialize({ model }) {
      // model-level: one store per widget, fed before any view exists (see protocol.js)
      store = createStore();
      connection = connect(model, store);
      const stopLabels = useMetricLabels(model);
      return () => {
        stopLabels();
        connection.dispose();
      };
    },
    render({ model, el }) {
      const root = h("div", { class: "jaml-root jaml-live", "data-testid": "live-search" });
      el.append(root);
      const view = createRunView(root, { model, store, request: connection.request });
      const controls = () => {
        root.classList.toggle("jaml-no-controls", !model.get("controls"));
      };
      model.on("change:controls", controls);
      controls();
      return () => {
        model.off("change:controls", controls);
        view.dispose();
        root.remove();
      };
    },
  };
};
