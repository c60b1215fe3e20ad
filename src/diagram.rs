//! The architecture diagram as SVG text, a pure function of the config: the tutorial's
//! `visualize_model_architecture` (input → GRU layers → Linear → output) plus, under it, one GRU cell
//! opened up into its gates, labelled with the equations of the selected cell variant.
//!
//! Every gate carries `data-gate="r|z|candidate|h"` so the page can highlight it when the learner
//! hovers that gate's heatmap.

use crate::config::{CellKind, LabConfig};
use std::fmt::Write;

const BOX_W: f64 = 120.0;
const BOX_H: f64 = 64.0;
const GAP: f64 = 36.0;
const MARGIN: f64 = 16.0;
const ROW_Y: f64 = 40.0;
const CELL_Y: f64 = 150.0;
const CELL_H: f64 = 130.0;

/// One box of the top row.
struct Block {
    class: &'static str,
    title: String,
    detail: String,
}

fn blocks(config: &LabConfig) -> Vec<Block> {
    let mut row = vec![Block {
        class: "input",
        title: "Input".into(),
        detail: format!("{}×1", config.window),
    }];
    for layer in 0..config.layers {
        let input = if layer == 0 { 1 } else { config.hidden };
        row.push(Block {
            class: "gru",
            title: format!("GRU {}", layer + 1),
            detail: format!("{input}→{} units", config.hidden),
        });
    }
    row.push(Block {
        class: "fc",
        title: "Linear".into(),
        detail: format!("{}→1", config.hidden),
    });
    row.push(Block {
        class: "output",
        title: "Output".into(),
        detail: "1".into(),
    });
    row
}

/// Escapes text for an SVG text node.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Escapes an equation for SVG and turns `x_t` and `h_{t−1}` into subscript `<tspan>`s.
fn with_subscripts(equation: &str) -> String {
    let mut out = String::new();
    let mut chars = equation.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '_' {
            out.push_str(&escape(&c.to_string()));
            continue;
        }
        let mut sub = String::new();
        if chars.peek() == Some(&'{') {
            chars.next();
            for c in chars.by_ref() {
                if c == '}' {
                    break;
                }
                sub.push(c);
            }
        } else {
            while let Some(&c) = chars.peek() {
                if !c.is_alphanumeric() {
                    break;
                }
                sub.push(c);
                chars.next();
            }
        }
        let _ = write!(
            out,
            r#"<tspan baseline-shift="sub" font-size="9">{}</tspan>"#,
            escape(&sub)
        );
    }
    out
}

/// The gates of one cell, in drawing order: (data-gate, symbol, equation of this cell variant).
pub fn gate_equations(cell: CellKind) -> [(&'static str, &'static str, &'static str); 4] {
    match cell {
        CellKind::Cho => [
            ("z", "z", "z_t = σ(W_z x_t + U_z h_{t−1} + b_z)"),
            ("r", "r", "r_t = σ(W_r x_t + U_r h_{t−1} + b_r)"),
            (
                "candidate",
                "h̃",
                "h̃_t = tanh(W_h x_t + U_h (r_t ⊙ h_{t−1}) + b_h)",
            ),
            ("h", "h", "h_t = (1 − z_t) ⊙ h_{t−1} + z_t ⊙ h̃_t"),
        ],
        CellKind::Pytorch => [
            ("r", "r", "r_t = σ(W_ir x_t + b_ir + W_hr h_{t−1} + b_hr)"),
            ("z", "z", "z_t = σ(W_iz x_t + b_iz + W_hz h_{t−1} + b_hz)"),
            (
                "candidate",
                "n",
                "n_t = tanh(W_in x_t + b_in + r_t ⊙ (W_hn h_{t−1} + b_hn))",
            ),
            ("h", "h", "h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_{t−1}"),
        ],
    }
}

/// The whole diagram as a standalone `<svg>` element (also written by the CLI as a file).
pub fn architecture_svg(config: &LabConfig) -> String {
    let row = blocks(config);
    let width = 2.0 * MARGIN + row.len() as f64 * BOX_W + (row.len() - 1) as f64 * GAP;
    let height = CELL_Y + CELL_H + MARGIN;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" role="img" aria-labelledby="arch-title" font-family="system-ui, sans-serif" data-layers="{layers}"><title id="arch-title">GRU model: {layers} layer(s) of {hidden} units, {cell} cell</title>"#,
        layers = config.layers,
        hidden = config.hidden,
        cell = config.cell.name(),
    );
    svg.push_str(
        r#"<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="currentColor"/></marker></defs>"#,
    );
    let _ = write!(
        svg,
        r#"<text x="{MARGIN}" y="22" font-size="15" font-weight="600" fill="currentColor">GRU model architecture</text>"#
    );
    for (i, block) in row.iter().enumerate() {
        let x = MARGIN + i as f64 * (BOX_W + GAP);
        let _ = write!(
            svg,
            r#"<g class="block {class}" data-block="{class}"><rect x="{x}" y="{ROW_Y}" width="{BOX_W}" height="{BOX_H}" rx="10"/><text x="{cx}" y="{ty}" text-anchor="middle" font-size="14" font-weight="600">{title}</text><text x="{cx}" y="{dy}" text-anchor="middle" font-size="12">{detail}</text></g>"#,
            class = block.class,
            cx = x + BOX_W / 2.0,
            ty = ROW_Y + 27.0,
            dy = ROW_Y + 46.0,
            title = escape(&block.title),
            detail = escape(&block.detail),
        );
        if i + 1 < row.len() {
            let _ = write!(
                svg,
                r#"<line class="flow" x1="{x1}" y1="{y}" x2="{x2}" y2="{y}" stroke="currentColor" stroke-width="2" marker-end="url(#arrow)"/>"#,
                x1 = x + BOX_W + 2.0,
                x2 = x + BOX_W + GAP - 2.0,
                y = ROW_Y + BOX_H / 2.0,
            );
        }
    }
    cell_inset(&mut svg, config.cell, width);
    svg.push_str("</svg>");
    svg
}

/// One GRU cell opened up: a gate circle and its equation per row.
fn cell_inset(svg: &mut String, cell: CellKind, width: f64) {
    let _ = write!(
        svg,
        r#"<g class="cell-inset"><rect class="cell-frame" x="{MARGIN}" y="{CELL_Y}" width="{w}" height="{CELL_H}" rx="10" fill="none" stroke="currentColor" stroke-dasharray="4 3"/><text x="{tx}" y="{ty}" font-size="12" font-weight="600" fill="currentColor">inside each GRU cell ({name} equations), every time step t:</text>"#,
        w = width - 2.0 * MARGIN,
        tx = MARGIN + 10.0,
        ty = CELL_Y + 18.0,
        name = cell.name(),
    );
    for (row, (gate, symbol, equation)) in gate_equations(cell).iter().enumerate() {
        let cy = CELL_Y + 40.0 + row as f64 * 25.0;
        let _ = write!(
            svg,
            r#"<g class="gate" data-gate="{gate}"><circle cx="{cx}" cy="{cy}" r="10"/><text x="{cx}" y="{sy}" text-anchor="middle" font-size="12" font-weight="600">{symbol}</text><text x="{ex}" y="{sy}" font-size="12" fill="currentColor">{equation}</text></g>"#,
            cx = MARGIN + 24.0,
            sy = cy + 4.0,
            ex = MARGIN + 44.0,
            equation = with_subscripts(equation),
        );
    }
    svg.push_str("</g>");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_box_per_layer_and_the_cells_equations() {
        let mut c = LabConfig::default();
        for layers in 1..=4 {
            c.layers = layers;
            let svg = architecture_svg(&c);
            assert_eq!(svg.matches(r#"data-block="gru""#).count(), layers);
            assert!(svg.contains(&format!(r#"data-layers="{layers}""#)));
        }
        let sub = |s: &str| format!(r#"<tspan baseline-shift="sub" font-size="9">{s}</tspan>"#);
        assert!(architecture_svg(&c).contains(&format!("h̃{} = tanh", sub("t"))));
        assert!(architecture_svg(&c).contains(&format!("h{}", sub("t−1"))));
        c.cell = CellKind::Pytorch;
        assert!(architecture_svg(&c).contains(&format!("n{} = tanh", sub("t"))));
    }

    #[test]
    fn boxes_never_overlap() {
        let c = LabConfig {
            layers: 4,
            ..LabConfig::default()
        };
        let n = blocks(&c).len();
        for i in 1..n {
            let prev_right = MARGIN + (i - 1) as f64 * (BOX_W + GAP) + BOX_W;
            let left = MARGIN + i as f64 * (BOX_W + GAP);
            assert!(left > prev_right);
        }
        const { assert!(ROW_Y + BOX_H < CELL_Y) };
    }
}
