//! The architecture diagram as SVG text, a pure function of the config: the tutorial's
//! `visualize_model_architecture` (input → recurrent layers → Linear → output) and, under it when asked,
//! one cell opened up: its data-flow picture (`cell_diagram.rs`), whose nodes carry the quantities'
//! `data-gate` names so the page can light them when the learner hovers a heatmap.

use crate::cell_diagram;
use crate::config::LabConfig;
use crate::svg::escape;
use std::fmt::Write;

const BOX_W: f64 = 120.0;
const BOX_H: f64 = 64.0;
const GAP: f64 = 36.0;
const MARGIN: f64 = 16.0;
const ROW_Y: f64 = 40.0;
/// Where the opened-up cell starts, under the row of boxes.
const CELL_Y: f64 = 130.0;
/// Fill of boxes in a standalone file (the page's stylesheet sets its own).
const GATE_FILL: &str = "#e8f1fa";

/// One box of the top row.
struct Block {
    class: &'static str,
    title: String,
    detail: String,
}

fn blocks(config: &LabConfig) -> Vec<Block> {
    let channels = config.task.spec().inputs;
    let mut row = vec![Block {
        class: "input",
        title: "Input".into(),
        detail: format!("{}×{channels}", config.window),
    }];
    for layer in 0..config.layers {
        let input = if layer == 0 { channels } else { config.hidden };
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

/// The whole diagram as a standalone `<svg>` element (also written by the CLI as a file); `with_cell`
/// adds the cell opened up under the row (the page leaves it out when its own cell panel shows it).
pub fn architecture_svg(config: &LabConfig, with_cell: bool) -> String {
    let row = blocks(config);
    let width = 2.0 * MARGIN + row.len() as f64 * BOX_W + (row.len() - 1) as f64 * GAP;
    let picture = config.cell.spec().picture;
    // The picture keeps its proportions at the row's width, and at most its natural size.
    let picture_w = picture.width.min(width - 2.0 * MARGIN);
    let picture_h = picture.height * picture_w / picture.width;
    let height = if with_cell {
        CELL_Y + 24.0 + picture_h + MARGIN
    } else {
        ROW_Y + BOX_H + MARGIN
    };
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
    if with_cell {
        let spec = config.cell.spec();
        let _ = write!(
            svg,
            r#"<g class="cell-inset" data-cell="{name}"><text x="{MARGIN}" y="{ty}" font-size="13" font-weight="600" fill="currentColor">inside each cell: {title}, every time step t</text>{picture}</g>"#,
            name = spec.name,
            ty = CELL_Y + 14.0,
            title = escape(spec.title),
            picture = cell_diagram::cell_svg_at(
                config.cell,
                ((width - picture_w) / 2.0, CELL_Y + 24.0),
                picture_w
            ),
        );
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cells::CellKind;

    #[test]
    fn one_box_per_layer() {
        let mut c = LabConfig::default();
        for layers in 1..=4 {
            c.layers = layers;
            let svg = architecture_svg(&c, false);
            assert_eq!(svg.matches(r#"data-block="layer""#).count(), layers);
            assert!(svg.contains(&format!(r#"data-layers="{layers}""#)));
        }
    }

    #[test]
    fn with_the_cell_every_quantity_is_drawn_and_only_the_lstm_has_a_cell_state_line() {
        for cell in CellKind::ALL {
            let c = LabConfig {
                cell,
                ..LabConfig::default()
            };
            let spec = cell.spec();
            let row_only = architecture_svg(&c, false);
            let svg = architecture_svg(&c, true);
            assert!(!row_only.contains("data-gate"));
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
