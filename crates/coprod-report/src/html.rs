//! Self-contained HTML pages: escaping, base64 data URIs for the chart PNGs, one stylesheet
//! sized for projectors, and a tiny inline script that records whether every chart decoded
//! (`<html data-charts-loaded="k/n">`, read by the headless-browser test).
//!
//! Owns the page skeleton. It makes no network reference: no fonts, scripts or images are
//! fetched, so a page opens from a USB stick or an e-mail attachment.

use std::path::Path;

use base64::Engine as _;

use crate::error::ReportError;

/// "1 run", "2 runs": a count (a number, or one as the manifest writes it) with its noun.
pub fn counted(n: impl std::fmt::Display, noun: &str) -> String {
    let n = n.to_string();
    let s = if n == "1" { "" } else { "s" };
    format!("{n} {noun}{s}")
}

/// A share as a percentage with `decimals` decimals, or as many more as it takes not to show
/// a share above 0 as "0%" or one below 1 as "100%" (7 of 3,980 groups: "0.2%", not "0%",
/// which would say that none did); "n/a" when it is not a number.
pub fn percent(share: f64, decimals: usize) -> String {
    if !share.is_finite() {
        return "n/a".into();
    }
    let points = share * 100.0;
    let reads_as_a_bound = |shown: &String| {
        let x = shown.trim_end_matches('%').parse::<f64>();
        (x == Ok(0.0) && share > 0.0) || (x == Ok(100.0) && share < 1.0)
    };
    (decimals..decimals + 8)
        .map(|d| format!("{points:.d$}%"))
        .find(|shown| !reads_as_a_bound(shown))
        .unwrap_or_else(|| format!("{points:.1e}%"))
}

/// A number as the pages and the terminal print it: the one rule, shared with the charts'
/// labels, lives in coprod-plot.
pub use coprod_plot::number;

/// "a", "a and b", "a, b and c".
pub(crate) fn and_list(items: &[&str]) -> String {
    match items.split_last() {
        None => String::new(),
        Some((last, [])) => (*last).to_string(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

/// Escapes text for HTML element content and attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Escapes `text` and shows its Markdown code spans (`` `name` ``, as scenario descriptions
/// write parameter and variant names) as `<code>` elements; an unpaired backtick stays.
pub(crate) fn escape_with_code(text: &str) -> String {
    let parts: Vec<&str> = text.split('`').collect();
    let mut out = String::with_capacity(text.len());
    for (i, part) in parts.iter().enumerate() {
        let in_code = i % 2 == 1;
        let closed = i + 1 < parts.len() || !in_code;
        match (in_code, closed) {
            (true, true) => {
                out.push_str("<code>");
                out.push_str(&escape(part));
                out.push_str("</code>");
            }
            (true, false) => {
                out.push('`');
                out.push_str(&escape(part));
            }
            _ => out.push_str(&escape(part)),
        }
    }
    out
}

/// An `<img>` element with the PNG at `png` inlined as a data URI.
///
/// # Errors
/// [`ReportError::Io`] naming the PNG if it cannot be read.
pub(crate) fn inline_png(png: &Path, alt: &str) -> Result<String, ReportError> {
    let bytes = std::fs::read(png).map_err(|e| ReportError::io(png, e))?;
    Ok(format!(
        "<img class=\"chart\" alt=\"{}\" src=\"data:image/png;base64,{}\">",
        escape(alt),
        base64::engine::general_purpose::STANDARD.encode(&bytes)
    ))
}

const STYLE: &str = "
body { font-family: 'DejaVu Sans', 'Liberation Sans', Arial, Helvetica, sans-serif;
       font-size: 20px; line-height: 1.5; color: #111; background: #fff;
       max-width: 1320px; margin: 0 auto; padding: 24px; }
h1 { font-size: 34px; margin: 0.2em 0 0.4em; }
h2 { font-size: 27px; margin-top: 1.6em; border-bottom: 2px solid #ddd; }
h3 { font-size: 22px; }
img.chart { width: 100%; max-width: 1280px; height: auto; display: block;
            border: 1px solid #ddd; margin: 8px 0; }
.pair { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; }
@media (max-width: 900px) { .pair { grid-template-columns: 1fr; } }
figure { margin: 0 0 24px; }
figcaption { font-size: 18px; color: #333; }
table { border-collapse: collapse; font-size: 17px; margin: 8px 0 16px; }
th, td { border: 1px solid #ccc; padding: 4px 10px; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.key { font-size: 24px; background: #f3f7fb; border-left: 6px solid #0072B2;
       padding: 10px 16px; margin: 12px 0; }
.note { color: #444; font-size: 17px; }
pre { background: #f6f6f6; padding: 12px; overflow-x: auto; font-size: 15px; }
details { margin: 12px 0; }
";

const SCRIPT: &str = "<script>
window.addEventListener('load', function () {
  var imgs = document.querySelectorAll('img.chart');
  var ok = 0;
  for (var i = 0; i < imgs.length; i++) {
    if (imgs[i].complete && imgs[i].naturalWidth > 0) { ok++; }
  }
  document.documentElement.setAttribute('data-charts-loaded', ok + '/' + imgs.length);
});
</script>";

/// A complete page: `title` in the head and as the first heading, then `body` (HTML).
pub(crate) fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{t}</title>\n<style>{STYLE}</style>\n{SCRIPT}\n</head>\n<body>\n<h1>{t}</h1>\n{body}\n\
         </body>\n</html>\n",
        t = escape(title)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(escape("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
        assert_eq!(escape("b > a, it's"), "b &gt; a, it&#39;s");
    }

    #[test]
    fn a_chart_is_inlined_with_its_bytes_and_escaped_alt_text() {
        let dir = tempfile::tempdir().unwrap();
        let png = dir.path().join("chart.png");
        std::fs::write(&png, b"\x89PNG bytes").unwrap();
        assert_eq!(
            inline_png(&png, "share < 1").unwrap(),
            "<img class=\"chart\" alt=\"share &lt; 1\" src=\"data:image/png;base64,iVBORyBieXRlcw==\">"
        );
        let missing = dir.path().join("missing.png");
        assert!(inline_png(&missing, "x").is_err());
    }

    #[test]
    fn a_number_that_is_not_0_never_reads_as_0() {
        assert_eq!(number(0.41234, 3), "0.412");
        assert_eq!(number(1.005, 2), "1.00");
        assert_eq!(number(0.004, 2), "4.0e-3");
        assert_eq!(number(6e-5, 3), "6.0e-5");
        assert_eq!(number(-6e-5, 3), "-6.0e-5");
        assert_eq!(number(0.0, 2), "0.00");
        assert_eq!(number(-0.0, 2), "0.00");
        assert_eq!(number(f64::NAN, 2), "n/a");
    }

    #[test]
    fn code_spans_become_code_elements() {
        assert_eq!(
            escape_with_code("the `joint` variant, `a<b`"),
            "the <code>joint</code> variant, <code>a&lt;b</code>"
        );
        assert_eq!(escape_with_code("no code"), "no code");
        assert_eq!(escape_with_code("one ` tick"), "one ` tick");
    }
}
