//! A cell's data-flow picture ([`crate::cells::picture::Picture`], one per cell kind in its file) as
//! standalone SVG text, a pure function of the cell. Every node or wire that computes a quantity of the
//! cell carries `data-gate="<name>"` (the spec's names: `z`, `r`, `candidate`, `i`, `f`, `g`, `o`, `c`,
//! `h`), so the page can light it when the learner hovers that quantity's heatmap; the LSTM's
//! cell-state wires are one group of class `cell-state`.

use crate::cells::CellKind;
use crate::cells::picture::{Node, Shape, Wire};
use crate::svg::{escape, with_subscripts};
use std::fmt::Write;

/// Half the size of a weighted block, and the radius of an operation's circle.
const BLOCK: (f64, f64) = (22.0, 14.0);
const OP_R: f64 = 11.0;
/// Fill of blocks and operations in a standalone file (the page's stylesheet sets its own).
const FILL: &str = "#e8f1fa";

fn path(points: &[(f64, f64)]) -> String {
    points
        .iter()
        .enumerate()
        .map(|(i, (x, y))| format!("{}{x},{y}", if i == 0 { "M" } else { " L" }))
        .collect()
}

fn wire(svg: &mut String, wire: &Wire, width: f64) {
    let _ = write!(
        svg,
        r#"<path class="wire" d="{d}" fill="none" stroke="currentColor" stroke-width="{width}"{end}/>"#,
        d = path(wire.points),
        end = if wire.arrow {
            r#" marker-end="url(#cell-arrow)""#
        } else {
            ""
        },
    );
}

fn gate_attr(gate: Option<&str>) -> String {
    gate.map_or(String::new(), |g| format!(r#" data-gate="{g}""#))
}

fn node(svg: &mut String, node: &Node) {
    let (x, y) = node.at;
    match node.shape {
        Shape::Terminal => {
            let _ = write!(
                svg,
                r#"<text class="terminal" x="{x}" y="{ty}" text-anchor="middle" font-size="14" fill="currentColor">{label}</text>"#,
                ty = y + 5.0,
                label = with_subscripts(node.label),
            );
        }
        Shape::Block(activation) => {
            let (w, h) = BLOCK;
            let _ = write!(
                svg,
                r#"<g class="gate block-node"{gate}><rect x="{rx}" y="{ry}" width="{bw}" height="{bh}" rx="6" fill="{FILL}" stroke="currentColor"/><text x="{x}" y="{ty}" text-anchor="middle" font-size="13" fill="currentColor">{activation}</text><text x="{lx}" y="{ly}" font-size="14" font-weight="600" fill="currentColor">{label}</text></g>"#,
                gate = gate_attr(node.gate),
                rx = x - w,
                ry = y - h,
                bw = 2.0 * w,
                bh = 2.0 * h,
                ty = y + 4.5,
                lx = x + w + 4.0,
                ly = y - 4.0,
                activation = escape(activation),
                label = with_subscripts(node.label),
            );
        }
        Shape::Op(sign) => {
            let _ = write!(
                svg,
                r#"<g class="gate op-node"{gate}><circle cx="{x}" cy="{y}" r="{OP_R}" fill="{FILL}" stroke="currentColor"/><text x="{x}" y="{ty}" text-anchor="middle" font-size="12" font-weight="600" fill="currentColor">{sign}</text></g>"#,
                gate = gate_attr(node.gate),
                ty = y + 4.0,
                sign = escape(sign),
            );
        }
    }
}

/// The cell's data flow in one time step as a standalone `<svg>` element.
pub fn cell_svg(cell: CellKind) -> String {
    render(cell, r#"width="100%""#)
}

/// The same picture nested in another SVG at `(x, y)`, `width` wide (the architecture diagram's inset).
pub fn cell_svg_at(cell: CellKind, (x, y): (f64, f64), width: f64) -> String {
    let picture = cell.spec().picture;
    let height = picture.height * width / picture.width;
    render(
        cell,
        &format!(r#"x="{x}" y="{y}" width="{width}" height="{height}""#),
    )
}

fn render(cell: CellKind, placement: &str) -> String {
    let spec = cell.spec();
    let picture = spec.picture;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" {placement} role="img" aria-labelledby="cell-title-{name}" font-family="system-ui, sans-serif" data-cell="{name}"><title id="cell-title-{name}">Inside each cell, one time step: {title}</title>"#,
        w = picture.width,
        h = picture.height,
        name = spec.name,
        title = escape(spec.title),
    );
    svg.push_str(
        // One arrowhead size on thin and thick wires alike (user units, not stroke widths).
        r#"<defs><marker id="cell-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="10" markerHeight="10" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="currentColor"/></marker></defs>"#,
    );
    for w in picture.wires().filter(|w| w.gate.is_none()) {
        wire(&mut svg, w, 1.6);
    }
    // The wires of a quantity (the LSTM's cell state) as one group, drawn thick.
    let mut gates: Vec<&str> = picture.wires().filter_map(|w| w.gate).collect();
    gates.dedup();
    for gate in gates {
        let _ = write!(svg, r#"<g class="cell-state" data-gate="{gate}">"#);
        for w in picture.wires().filter(|w| w.gate == Some(gate)) {
            wire(&mut svg, w, 3.0);
        }
        svg.push_str("</g>");
    }
    for (x, y) in picture.junctions {
        let _ = write!(
            svg,
            r#"<circle class="junction" cx="{x}" cy="{y}" r="3" fill="currentColor"/>"#
        );
    }
    for n in picture.nodes() {
        node(&mut svg, n);
    }
    for ((x, y), text) in picture.notes {
        let _ = write!(
            svg,
            r#"<text class="note" x="{x}" y="{y}" text-anchor="middle" font-size="11" fill="currentColor" opacity="0.8">{}</text>"#,
            with_subscripts(text)
        );
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_quantity_of_every_cell_is_in_its_picture() {
        for cell in CellKind::ALL {
            let svg = cell_svg(cell);
            for q in cell.spec().quantities {
                assert!(
                    svg.contains(&format!(r#"data-gate="{}""#, q.name)),
                    "{}: no {} in the picture",
                    cell.name(),
                    q.name
                );
            }
            assert_eq!(
                svg.matches("class=\"cell-state\"").count(),
                usize::from(cell.spec().memory)
            );
        }
    }

    #[test]
    fn every_wire_end_stays_inside_the_picture() {
        for cell in CellKind::ALL {
            let p = cell.spec().picture;
            for w in p.wires() {
                for &(x, y) in w.points {
                    assert!(
                        (0.0..=p.width).contains(&x) && (0.0..=p.height).contains(&y),
                        "{}: ({x}, {y})",
                        cell.name()
                    );
                }
            }
        }
    }
}
