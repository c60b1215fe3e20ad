//! The architecture diagram as SVG text, a pure function of the config: the tutorial's
//! `visualize_model_architecture` (input → recurrent layers → Linear → output) plus, under it, one
//! cell opened up into its quantities, labelled with the selected cell's own equations (and, for the
//! LSTM, its cell-state line).
//!
//! Every quantity carries `data-gate="<name>"` (the names of the cell's spec: `z`, `r`, `candidate`,
//! `i`, `f`, `g`, `o`, `c`, `h`) so the page can highlight it when the learner hovers its heatmap.

use crate::cells::CellKind;
use crate::config::LabConfig;
use std::fmt::Write;

const BOX_W: f64 = 120.0;
const BOX_H: f64 = 64.0;
const GAP: f64 = 36.0;
const MARGIN: f64 = 16.0;
const ROW_Y: f64 = 40.0;
const CELL_Y: f64 = 150.0;
/// Fill of boxes and gate circles in a standalone file (the page's stylesheet sets its own).
const GATE_FILL: &str = "#e8f1fa";
/// Height of one quantity's row in the cell inset.
const ROW_H: f64 = 25.0;

/// Height of the cell inset: a title, one row per quantity, and the LSTM's cell-state line.
fn cell_height(cell: CellKind) -> f64 {
    let spec = cell.spec();
    40.0 + spec.quantities.len() as f64 * ROW_H + if spec.memory { 40.0 } else { 0.0 }
}

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
            class: "layer",
            title: format!("{} {}", config.cell.spec().short, layer + 1),
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

/// The whole diagram as a standalone `<svg>` element (also written by the CLI as a file).
pub fn architecture_svg(config: &LabConfig) -> String {
    let row = blocks(config);
    let width = 2.0 * MARGIN + row.len() as f64 * BOX_W + (row.len() - 1) as f64 * GAP;
    let height = CELL_Y + cell_height(config.cell) + MARGIN;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" role="img" aria-labelledby="arch-title" font-family="system-ui, sans-serif" data-layers="{layers}"><title id="arch-title">{short} model: {layers} layer(s) of {hidden} units, {cell} cell</title>"#,
        short = config.cell.spec().short,
        layers = config.layers,
        hidden = config.hidden,
        cell = config.cell.name(),
    );
    svg.push_str(
        r#"<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="currentColor"/></marker></defs>"#,
    );
    let _ = write!(
        svg,
        r#"<text x="{MARGIN}" y="22" font-size="15" font-weight="600" fill="currentColor">{} model architecture</text>"#,
        config.cell.spec().short
    );
    for (i, block) in row.iter().enumerate() {
        let x = MARGIN + i as f64 * (BOX_W + GAP);
        let _ = write!(
            svg,
            r#"<g class="block {class}" data-block="{class}"><rect x="{x}" y="{ROW_Y}" width="{BOX_W}" height="{BOX_H}" rx="10" fill="{GATE_FILL}" stroke="currentColor"/><text x="{cx}" y="{ty}" text-anchor="middle" font-size="14" font-weight="600" fill="currentColor">{title}</text><text x="{cx}" y="{dy}" text-anchor="middle" font-size="12" fill="currentColor">{detail}</text></g>"#,
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

/// One cell opened up: a circle and the equation of each of its quantities, per row; for a cell with
/// memory (the LSTM), the cell-state line under them: `c_{t−1}` → ×f → +i⊙g → `c_t`, the path along
/// which its gradient can flow back undiminished.
fn cell_inset(svg: &mut String, cell: CellKind, width: f64) {
    let spec = cell.spec();
    let _ = write!(
        svg,
        r#"<g class="cell-inset" data-cell="{name}"><rect class="cell-frame" x="{MARGIN}" y="{CELL_Y}" width="{w}" height="{h}" rx="10" fill="none" stroke="currentColor" stroke-dasharray="4 3"/><text x="{tx}" y="{ty}" font-size="12" font-weight="600" fill="currentColor">inside each cell: {title}, every time step t</text>"#,
        w = width - 2.0 * MARGIN,
        h = cell_height(cell),
        tx = MARGIN + 10.0,
        ty = CELL_Y + 18.0,
        name = spec.name,
        title = escape(spec.title),
    );
    for (row, q) in spec.quantities.iter().enumerate() {
        let cy = CELL_Y + 40.0 + row as f64 * ROW_H;
        let _ = write!(
            svg,
            r#"<g class="gate" data-gate="{gate}"><circle cx="{cx}" cy="{cy}" r="10" fill="{GATE_FILL}" stroke="currentColor"/><text x="{cx}" y="{sy}" text-anchor="middle" font-size="12" font-weight="600" fill="currentColor">{symbol}</text><text x="{ex}" y="{sy}" font-size="12" fill="currentColor">{equation}</text></g>"#,
            gate = q.name,
            symbol = q.symbol,
            cx = MARGIN + 24.0,
            sy = cy + 4.0,
            ex = MARGIN + 44.0,
            equation = with_subscripts(q.equation),
        );
    }
    if spec.memory {
        let y = CELL_Y + 40.0 + spec.quantities.len() as f64 * ROW_H + 12.0;
        let (x0, x1) = (MARGIN + 14.0, width - MARGIN - 14.0);
        let node = |x: f64, label: &str| {
            format!(
                r#"<circle cx="{x}" cy="{y}" r="15" class="op" fill="{GATE_FILL}" stroke="currentColor"/><text x="{x}" y="{ty}" text-anchor="middle" font-size="10" font-weight="600" fill="currentColor">{label}</text>"#,
                ty = y + 4.0
            )
        };
        let _ = write!(
            svg,
            r#"<g class="cell-state" data-gate="c"><line x1="{x0}" y1="{y}" x2="{x1}" y2="{y}" stroke="currentColor" stroke-width="3" marker-end="url(#arrow)"/><text x="{x0}" y="{ly}" font-size="11" fill="currentColor">{from}</text><text x="{x1}" y="{ly}" text-anchor="end" font-size="11" fill="currentColor">{to}</text>{times}{plus}<text x="{mx}" y="{ly}" text-anchor="middle" font-size="11" fill="currentColor">cell state: kept by f, written by i ⊙ g</text></g>"#,
            ly = y - 14.0,
            from = with_subscripts("c_{t−1}"),
            to = with_subscripts("c_t"),
            times = node(x0 + (x1 - x0) * 0.3, "×f"),
            plus = node(x0 + (x1 - x0) * 0.6, "+i⊙g"),
            mx = x0 + (x1 - x0) * 0.45,
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
            assert_eq!(svg.matches(r#"data-block="layer""#).count(), layers);
            assert!(svg.contains(&format!(r#"data-layers="{layers}""#)));
        }
        let sub = |s: &str| format!(r#"<tspan baseline-shift="sub" font-size="9">{s}</tspan>"#);
        assert!(architecture_svg(&c).contains(&format!("h̃{} = tanh", sub("t"))));
        assert!(architecture_svg(&c).contains(&format!("h{}", sub("t−1"))));
        c.cell = CellKind::Pytorch;
        assert!(architecture_svg(&c).contains(&format!("n{} = tanh", sub("t"))));
    }

    #[test]
    fn each_cell_draws_its_own_quantities_and_only_the_lstm_a_cell_state_line() {
        for cell in CellKind::ALL {
            let c = LabConfig {
                cell,
                ..LabConfig::default()
            };
            let svg = architecture_svg(&c);
            let spec = cell.spec();
            assert_eq!(
                svg.matches(r#"<g class="gate""#).count(),
                spec.quantities.len()
            );
            for q in spec.quantities {
                assert!(
                    svg.contains(&format!(r#"data-gate="{}""#, q.name)),
                    "{}",
                    q.name
                );
            }
            assert_eq!(svg.contains("cell-state"), spec.memory);
            assert!(svg.contains(&format!("{} 1</text>", spec.short)));
        }
        let rnn = architecture_svg(&LabConfig {
            cell: CellKind::Rnn,
            ..LabConfig::default()
        });
        assert!(rnn.contains("= tanh(W"));
        assert!(!rnn.contains("σ("));
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
