//! Text inside SVG: escaping, and the subscripts of the equations' `x_t` and `h_{t−1}`. Shared by the
//! architecture diagram and the cells' pictures.

use std::fmt::Write;

/// Escapes text for an SVG text node.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Escapes an equation for SVG and turns `x_t` and `h_{t−1}` into subscript `<tspan>`s.
pub fn with_subscripts(equation: &str) -> String {
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
