//! The fused GPU pass's WGSL for one model shape, window length and batch: the layout's numbers as
//! constants ([`super::layout`]), the cell-agnostic driver (`fused.wgsl`), the cell's own step (its
//! [`crate::cells::CellSpec::wgsl`]) and `recurrent_input`, which says what multiplies each block of
//! U in the weight gradient `dU = Σ_t inputᵀ·dĥ` (the cell's `recurrent_inputs`).

use std::fmt::Write;

use super::layout::Layout;
use crate::cells::Source;

/// Invocations per workgroup of both entry points.
pub const WORKGROUP: u32 = 64;

const DRIVER: &str = include_str!("fused.wgsl");

/// The whole shader for `layout`, a batch of `batch` windows, with or without dropout masks.
pub fn source(layout: &Layout, batch: usize, dropout: bool) -> String {
    let shape = layout.shape;
    let spec = shape.cell.spec();
    let mut s = String::new();
    let mut constant = |name: &str, value: String| {
        writeln!(s, "const {name} = {value};").expect("a String takes every write");
    };
    let u = |v: usize| format!("{v}u");
    let b = |v: bool| v.to_string();
    constant("WORKGROUP", format!("{WORKGROUP}u"));
    constant("H", u(shape.hidden));
    constant("GH", u(spec.blocks * shape.hidden));
    constant("T", u(layout.steps));
    constant("L", u(shape.layers));
    constant("INPUTS", u(shape.inputs));
    constant("BATCH", u(batch));
    constant("SAVED_PLANES", u(spec.saved));
    constant("HIDDEN_BIAS", b(spec.hidden_bias));
    constant("MEMORY", b(spec.memory));
    constant("DROPOUT", b(dropout));
    constant(
        "SEPARATE_RECURRENT_GRADIENT",
        b(spec.separate_recurrent_gradient),
    );
    let keep = spec.keep.map(|k| (k.locate(spec).1, k.complement));
    constant("KEEP", b(keep.is_some()));
    constant("KEEP_PLANE", u(keep.map_or(0, |k| k.0)));
    constant("KEEP_COMPLEMENT", b(keep.is_some_and(|k| k.1)));
    constant("KEEP_SERIES", u(1 + usize::from(spec.memory)));
    constant("FC_WEIGHT", u(layout.fc_weight));
    constant("FC_BIAS", u(layout.fc_bias));
    constant("SQUARED_ERROR", u(layout.squared_error));
    constant("ROW", u(layout.row));
    constant("TAPE", u(layout.tape));
    for (name, value) in [
        ("X_PROJ", layout.x_proj),
        ("RECURRENT", layout.recurrent),
        ("D_X_PROJ", layout.d_x_proj),
        ("D_RECURRENT", layout.d_recurrent),
        ("D_STATE", layout.d_state),
        ("D_PREVIOUS", layout.d_previous),
        ("D_MEMORY", layout.d_memory),
        ("D_MEMORY_TOTAL", layout.d_memory_total),
        ("SCRATCH", layout.scratch),
        ("SURVIVE", layout.survive),
    ] {
        constant(name, u(value));
    }
    let per_layer = |s: &mut String, name: &str, of: &dyn Fn(usize) -> usize| {
        let values: Vec<String> = (0..layout.layers.len()).map(|l| u(of(l))).collect();
        let n = values.len();
        writeln!(
            s,
            "var<private> {name}: array<u32, {n}> = array<u32, {n}>({});",
            values.join(", ")
        )
        .expect("a String takes every write");
    };
    let layers = &layout.layers;
    per_layer(&mut s, "INPUT_WIDTH", &|l| layers[l].input);
    per_layer(&mut s, "W_INPUT", &|l| layers[l].w_input);
    per_layer(&mut s, "W_HIDDEN", &|l| layers[l].w_hidden);
    per_layer(&mut s, "B_INPUT", &|l| layers[l].b_input);
    per_layer(&mut s, "B_HIDDEN", &|l| layers[l].b_hidden);
    per_layer(&mut s, "STATES", &|l| layers[l].states);
    per_layer(&mut s, "MEMORY_STATES", &|l| layers[l].memory);
    per_layer(&mut s, "SAVED", &|l| layers[l].saved);
    per_layer(&mut s, "FLOW", &|l| layers[l].flow);
    let d = layout.d_outputs;
    writeln!(
        s,
        "var<private> D_OUTPUTS: array<u32, 2> = array<u32, 2>({}, {});",
        u(d[0]),
        u(d[1])
    )
    .expect("a String takes every write");
    s.push_str(DRIVER);
    s.push_str(spec.wgsl);
    s.push_str(&recurrent_input(layout));
    s
}

/// `recurrent_input(g, t, j)`: unit j of what multiplies column g of U at step t (h_{t−1}, or a saved
/// plane such as the cho GRU's r ⊙ h_{t−1}).
fn recurrent_input(layout: &Layout) -> String {
    let spec = layout.shape.cell.spec();
    let mut body = String::new();
    for (blocks, source) in spec.recurrent_inputs {
        let offset = match source {
            Source::State => "STATES[layer] + t * H".to_string(),
            Source::Saved(k) => format!("saved_at(t) + {k}u * H"),
            Source::Memory => unreachable!("no cell multiplies U by its cell state"),
        };
        writeln!(
            body,
            "    if (g < {}u * H) {{\n        return at({offset} + j);\n    }}",
            blocks.end
        )
        .expect("a String takes every write");
    }
    format!("\nfn recurrent_input(g: u32, t: u32, j: u32) -> f32 {{\n{body}    return 0.0;\n}}\n")
}
