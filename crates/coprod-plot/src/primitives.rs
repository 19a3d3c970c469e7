//! The drawing primitives every chart module shares: the backend-erased drawing error and
//! result, the embedded font's text styles, the dark grey of notes and frames, and fitting
//! text into a width. Imports no other module of this crate, so everything sits above it.

use plotters::coord::Shift;
use plotters::prelude::{
    BLACK, DrawingArea, DrawingAreaErrorKind, DrawingBackend, FontStyle, IntoFont, RGBColor,
    TextStyle,
};

use crate::style::FONT_FAMILY;

/// A drawing error with the backend type erased, so that one drawing function serves PNG and SVG.
#[derive(Debug)]
pub(crate) struct DrawError(pub(crate) String);

impl<E: std::error::Error + Send + Sync> From<DrawingAreaErrorKind<E>> for DrawError {
    fn from(error: DrawingAreaErrorKind<E>) -> Self {
        DrawError(error.to_string())
    }
}

/// The result of drawing onto a backend.
pub(crate) type DrawResult<T = ()> = Result<T, DrawError>;

/// A text style of the embedded font.
pub(crate) fn text(size: f64) -> TextStyle<'static> {
    (FONT_FAMILY, size).into_font().color(&BLACK)
}

/// A bold text style of the embedded font.
pub(crate) fn bold_text(size: f64) -> TextStyle<'static> {
    (FONT_FAMILY, size, FontStyle::Bold)
        .into_font()
        .color(&BLACK)
}

/// A dark grey used for notes, frames and reference lines.
pub(crate) const DARK_GREY: RGBColor = RGBColor(60, 60, 60);
/// Shortens `label` with an ellipsis until it fits `max_width` pixels.
pub(crate) fn fit_label<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    label: &str,
    font: &TextStyle,
    max_width: u32,
) -> DrawResult<String> {
    let mut chars: Vec<char> = label.chars().collect();
    let mut candidate = label.to_string();
    while area.estimate_text_size(&candidate, font)?.0 > max_width && chars.len() > 1 {
        chars.pop();
        candidate = chars.iter().collect::<String>() + "…";
    }
    Ok(candidate)
}

/// Shortens `label` to fit `max_width` pixels, from the middle when it ends in a short last
/// word: legend labels such as "ownership, participation cost 0.6" tell lines apart by
/// their start and their last word (a swept value), so both stay ("ownership, partic… 0.6").
/// Otherwise (one word, or a last word wider than half the room) as [`fit_label`].
pub(crate) fn fit_label_keeping_end<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    label: &str,
    font: &TextStyle,
    max_width: u32,
) -> DrawResult<String> {
    let fits =
        |s: &str| -> DrawResult<bool> { Ok(area.estimate_text_size(s, font)?.0 <= max_width) };
    if fits(label)? {
        return Ok(label.to_string());
    }
    let trimmed = label.trim_end();
    let Some(space) = trimmed.rfind(' ') else {
        return fit_label(area, label, font, max_width);
    };
    let tail = &trimmed[space..];
    if area.estimate_text_size(&format!("…{tail}"), font)?.0 * 2 > max_width {
        return fit_label(area, label, font, max_width);
    }
    let mut head: Vec<char> = trimmed[..space].chars().collect();
    while head.len() > 1 {
        head.pop();
        let kept: String = head.iter().collect();
        let candidate = format!("{}…{tail}", kept.trim_end());
        if fits(&candidate)? {
            return Ok(candidate);
        }
    }
    fit_label(area, label, font, max_width)
}

/// The width in pixels of the widest of `texts` in `font`, 0 when there is none.
pub(crate) fn widest_text<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    texts: impl IntoIterator<Item = impl AsRef<str>>,
    font: &TextStyle,
) -> DrawResult<u32> {
    let mut widest = 0;
    for text in texts {
        widest = widest.max(area.estimate_text_size(text.as_ref(), font)?.0);
    }
    Ok(widest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::svg_check::{sketch, text_width};

    /// A legend label loses the middle of its text, not its last word, where that word is
    /// short: "ownership, participation cost 0.6" and "... 0.2" stay apart.
    #[test]
    fn a_legend_label_keeps_its_start_and_last_word() {
        crate::style::register_fonts();
        let font = text(26.0);
        let label = "ownership, participation cost 0.6";
        let room = text_width(label, 26.0) as u32 * 2 / 3;
        let mut fitted = Vec::new();
        sketch((100, 100), |area| {
            fitted.push(fit_label_keeping_end(area, label, &font, room)?);
            fitted.push(fit_label_keeping_end(area, label, &font, 10_000)?);
            fitted.push(fit_label_keeping_end(
                area,
                "one-long-word-only",
                &font,
                60,
            )?);
            // A last word wider than half the room: cut at the end as before.
            fitted.push(fit_label_keeping_end(area, "a participation", &font, 120)?);
            Ok(())
        });
        let short = &fitted[0];
        assert!(
            short.starts_with("ownership, ") && short.ends_with("… 0.6"),
            "{short}"
        );
        assert!(text_width(short, 26.0) as u32 <= room, "{short}");
        // One more character of the start would not fit.
        let kept = short.trim_end_matches("… 0.6").chars().count();
        let longer: String = label.chars().take(kept + 1).collect::<String>() + "… 0.6";
        assert!(text_width(&longer, 26.0) as u32 > room, "{short}");
        assert_eq!(fitted[1], label);
        assert!(
            fitted[2].ends_with('…') && fitted[2].starts_with("on"),
            "{}",
            fitted[2]
        );
        assert!(
            fitted[3].ends_with('…') && fitted[3].starts_with("a p"),
            "{}",
            fitted[3]
        );
    }

    #[test]
    fn a_label_is_shortened_with_an_ellipsis_just_enough_to_fit() {
        // A text style finds its font when it is made: register the embedded one first.
        crate::style::register_fonts();
        let font = text(26.0);
        let label = "contributions per step";
        let full = text_width(label, 26.0) as u32;
        let mut fitted = Vec::new();
        sketch((100, 100), |area| {
            fitted.push(fit_label(area, label, &font, full)?);
            fitted.push(fit_label(area, label, &font, full / 2)?);
            fitted.push(fit_label(area, "wide", &font, 1)?);
            fitted.push(widest_text(area, ["a", label, "ab"], &font)?.to_string());
            fitted.push(widest_text(area, Vec::<&str>::new(), &font)?.to_string());
            Ok(())
        });
        assert_eq!(fitted[0], label, "a label that fits exactly is kept whole");
        let half = &fitted[1];
        assert!(half.ends_with('…') && label.starts_with(half.trim_end_matches('…')));
        assert!(text_width(half, 26.0) as u32 <= full / 2, "{half}");
        // One more character would not fit.
        let longer = format!("{}…", &label[..half.chars().count()]);
        assert!(
            text_width(&longer, 26.0) as u32 > full / 2,
            "{half} is shorter than needed"
        );
        // A single character is kept even when nothing fits.
        assert_eq!(fitted[2], "w…");
        assert_eq!(fitted[3], full.to_string());
        assert_eq!(fitted[4], "0");
    }
}
