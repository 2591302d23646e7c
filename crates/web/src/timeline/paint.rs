//! The few drawing operations the timeline needs. The renderer draws through this trait so it
//! runs natively in tests (counting what a frame draws) and on an OffscreenCanvas in the page.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    pub fn css(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }
}

pub trait Painter {
    fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, color: Rgb);
    /// A rectangle that overlaps nothing else drawn before the next other call: zoomed out, a
    /// frame is thousands of one-pixel columns, which a canvas draws far faster grouped by color
    /// than one call each.
    fn column(&mut self, x: f64, y: f64, w: f64, h: f64, color: Rgb) {
        self.rect(x, y, w, h, color);
    }
    /// Text whose left baseline is at (x, y), cut to `max_width`.
    fn text(&mut self, x: f64, y: f64, text: &str, color: Rgb, max_width: f64);
    fn line(&mut self, points: &[(f64, f64)], color: Rgb, width: f64);
    /// Restricts drawing to a rectangle until `unclip`.
    fn clip(&mut self, x: f64, y: f64, w: f64, h: f64);
    fn unclip(&mut self);
}

/// A stable color per name: the same function has the same color in every frame and trace.
pub fn color_of(name: &str) -> Rgb {
    // FNV-1a: tiny and stable across builds, unlike std's randomized hasher.
    let h = name.bytes().fold(0x811c9dc5u32, |h, b| (h ^ b as u32).wrapping_mul(0x01000193));
    let hue = (h % 360) as f64;
    hsl(hue, 0.55, 0.55)
}

fn hsl(h: f64, s: f64, l: f64) -> Rgb {
    let c = (1.0 - (2.0 * l - 1.0).abs()) * s;
    let x = c * (1.0 - ((h / 60.0) % 2.0 - 1.0).abs());
    let m = l - c / 2.0;
    let (r, g, b) = match (h / 60.0) as u32 {
        0 => (c, x, 0.0),
        1 => (x, c, 0.0),
        2 => (0.0, c, x),
        3 => (0.0, x, c),
        4 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    let q = |v: f64| ((v + m) * 255.0).round().clamp(0.0, 255.0) as u8;
    Rgb(q(r), q(g), q(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colors_are_stable_and_differ_between_functions() {
        assert_eq!(color_of("main.searchFile"), color_of("main.searchFile"));
        assert_ne!(color_of("main.searchFile"), color_of("main.main"));
    }
}
