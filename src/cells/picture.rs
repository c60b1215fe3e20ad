//! A cell's data-flow picture as data: where its inputs, gates and operations sit and how the values
//! flow between them, as the tutorials draw a GRU or an LSTM (h_{t−1} entering, the σ and tanh blocks,
//! the ⊙, + and 1 − z nodes, h_t leaving). Each cell file holds its own picture; `cell_diagram.rs`
//! draws any of them as SVG. Coordinates are SVG user units in a `width × height` box.

/// What a node is drawn as.
#[derive(Clone, Copy, Debug)]
pub enum Shape {
    /// A value entering or leaving the cell (`h_{t−1}`, `x_t`, `h_t`): its name, no frame.
    Terminal,
    /// A layer with weights: a box with its activation (`σ` or `tanh`) and the quantity's symbol beside it.
    Block(&'static str),
    /// An elementwise operation: a circle with `⊙`, `+` or `1−`.
    Op(&'static str),
}

/// One node of the picture.
#[derive(Clone, Copy, Debug)]
pub struct Node {
    pub shape: Shape,
    pub at: (f64, f64),
    /// A terminal's name, or the symbol written beside a block (`z`, `h̃`); `_t` and `_{t−1}` subscript.
    pub label: &'static str,
    /// The quantity it computes (a spec quantity's name), lit when its heatmap is hovered.
    pub gate: Option<&'static str>,
}

/// A wire: a polyline along `points`, with an arrowhead at its end when `arrow`; `gate` lights the whole
/// wire with a quantity (the LSTM's cell-state line).
#[derive(Clone, Copy, Debug)]
pub struct Wire {
    pub points: &'static [(f64, f64)],
    pub arrow: bool,
    pub gate: Option<&'static str>,
}

/// A cell's whole picture.
#[derive(Clone, Copy, Debug)]
pub struct Picture {
    pub width: f64,
    pub height: f64,
    /// Nodes and wires come in parts, so that two cells drawn alike (the two GRUs) share the parts
    /// they have in common and differ only in their own.
    pub nodes: &'static [&'static [Node]],
    pub wires: &'static [&'static [Wire]],
    /// Where a wire splits in two (drawn as a dot).
    pub junctions: &'static [(f64, f64)],
    /// Small notes on the wires (`1 − z`, `U_{hn} h`).
    pub notes: &'static [((f64, f64), &'static str)],
}

/// A terminal at `at`.
pub const fn terminal(at: (f64, f64), label: &'static str) -> Node {
    Node {
        shape: Shape::Terminal,
        at,
        label,
        gate: None,
    }
}

/// A weighted block (`σ` or `tanh`) computing quantity `gate`, labelled `symbol`.
pub const fn block(
    at: (f64, f64),
    activation: &'static str,
    symbol: &'static str,
    gate: &'static str,
) -> Node {
    Node {
        shape: Shape::Block(activation),
        at,
        label: symbol,
        gate: Some(gate),
    }
}

/// An elementwise operation, computing quantity `gate` if it is one the page draws.
pub const fn op(at: (f64, f64), sign: &'static str, gate: Option<&'static str>) -> Node {
    Node {
        shape: Shape::Op(sign),
        at,
        label: "",
        gate,
    }
}

/// A wire ending in an arrowhead.
pub const fn arrow(points: &'static [(f64, f64)]) -> Wire {
    Wire {
        points,
        arrow: true,
        gate: None,
    }
}

/// A wire without an arrowhead (a line that others branch from).
pub const fn line(points: &'static [(f64, f64)]) -> Wire {
    Wire {
        points,
        arrow: false,
        gate: None,
    }
}

/// The LSTM's `tanh(c_t)`: an activation without weights, computing no quantity of its own.
pub const fn squash(at: (f64, f64)) -> Node {
    Node {
        shape: Shape::Block("tanh"),
        at,
        label: "",
        gate: None,
    }
}

/// A wire of the LSTM's cell state c: drawn thick, lit with c's heatmap (the path along which the
/// gradient can flow back undiminished).
pub const fn memory(points: &'static [(f64, f64)]) -> Wire {
    Wire {
        points,
        arrow: true,
        gate: Some("c"),
    }
}

impl Picture {
    pub fn nodes(&self) -> impl Iterator<Item = &Node> {
        self.nodes.iter().flat_map(|part| part.iter())
    }

    pub fn wires(&self) -> impl Iterator<Item = &Wire> {
        self.wires.iter().flat_map(|part| part.iter())
    }
}
