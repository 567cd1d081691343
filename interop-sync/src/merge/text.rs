//! Line-level three-way merge of text fields (descriptions, SQL, docs blocks) with similar's
//! `TextMerge`. Overlapping edits come back as a [`TextConflict`] value; markers are only drawn
//! on request, for display.

use std::borrow::Cow;
use std::ops::Range;

use serde::{Deserialize, Serialize};
use similar::{MergeResolution, TextMerge};

/// A text whose line-level merge found edits of both sides that overlap (or touch).
///
/// The hunks, in order, make up the whole text: stretches the merge resolved, and the regions
/// where a person has to choose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextConflict {
    /// The text in order: resolved stretches and conflicting regions.
    pub hunks: Vec<TextHunk>,
}

/// A stretch of a merged text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TextHunk {
    /// Lines no side changed, both changed alike, or only one side changed.
    Resolved(String),
    /// Lines both sides changed differently.
    Conflict(ConflictRegion),
}

/// The three versions of one conflicting stretch of lines.
///
/// Line ranges are 0-based indexes into the lines of each side's whole text; the texts are those
/// lines, each with its line ending (the last line of a text without a final newline has none).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConflictRegion {
    /// The lines as they were at the last sync.
    pub base: String,
    /// The lines the vendor wants.
    pub vendor: String,
    /// The lines in the repository.
    pub repo: String,
    /// Where `base` is in the base text.
    pub base_lines: Range<usize>,
    /// Where `vendor` is in the vendor's text.
    pub vendor_lines: Range<usize>,
    /// Where `repo` is in the repository's text.
    pub repo_lines: Range<usize>,
}

/// Which side wins a conflict that a policy resolves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    Vendor,
    Repo,
}

/// Merges three versions of a text line by line (diff3).
///
/// Edits of the two sides combine when an unchanged line separates them; edits that overlap or
/// touch are a conflict, as in `git merge-file`. Unlike git, a missing final newline is not part
/// of the last line: it is merged as a property of its own, so appending a line to a text
/// without a final newline does not collide with an edit of the line before it.
///
/// ```
/// use interop_sync::merge::merge_text;
/// let base = "select id\nfrom orders\nwhere true\n";
/// let vendor = "select id, status\nfrom orders\nwhere true\n";
/// let repo = "select id\nfrom orders\nwhere amount > 0\n";
/// assert_eq!(
///     merge_text(base, vendor, repo).unwrap(),
///     "select id, status\nfrom orders\nwhere amount > 0\n"
/// );
/// ```
pub fn merge_text(base: &str, vendor: &str, repo: &str) -> Result<String, TextConflict> {
    let final_newline = merge_flag(
        ends_with_newline(base),
        ends_with_newline(vendor),
        ends_with_newline(repo),
    );
    let sides = [base, vendor, repo].map(terminated);
    let [b, v, r] = &sides;
    // similar calls the sides ours and theirs; ours is the repository, as in a pull request.
    let merge = TextMerge::from_lines(b.as_ref(), r.as_ref(), v.as_ref());
    let ours = |range: Range<usize>| lines(range, |i| merge.ours_line(i));
    let theirs = |range: Range<usize>| lines(range, |i| merge.theirs_line(i));

    let mut hunks: Vec<TextHunk> = Vec::new();
    for region in merge.regions() {
        let resolved = match region.resolution() {
            MergeResolution::Conflict => {
                hunks.push(TextHunk::Conflict(ConflictRegion {
                    base: exact(
                        base,
                        lines(region.base_range(), |i| merge.base_line(i)),
                        region.base_range().end == merge.base_len(),
                    ),
                    vendor: exact(
                        vendor,
                        theirs(region.theirs_range()),
                        region.theirs_range().end == merge.theirs_len(),
                    ),
                    repo: exact(
                        repo,
                        ours(region.ours_range()),
                        region.ours_range().end == merge.ours_len(),
                    ),
                    base_lines: region.base_range(),
                    vendor_lines: region.theirs_range(),
                    repo_lines: region.ours_range(),
                }));
                continue;
            }
            MergeResolution::Theirs => theirs(region.theirs_range()),
            // Unchanged, Ours, Both: the repository's lines are the merged lines.
            _ => ours(region.ours_range()),
        };
        match hunks.last_mut() {
            Some(TextHunk::Resolved(text)) => text.push_str(&resolved),
            _ => hunks.push(TextHunk::Resolved(resolved)),
        }
    }
    if !final_newline && let Some(TextHunk::Resolved(text)) = hunks.last_mut() {
        strip_final_newline(text);
    }
    hunks.retain(|h| !matches!(h, TextHunk::Resolved(text) if text.is_empty()));

    if hunks.iter().all(|h| matches!(h, TextHunk::Resolved(_))) {
        Ok(hunks
            .into_iter()
            .filter_map(|h| match h {
                TextHunk::Resolved(text) => Some(text),
                TextHunk::Conflict(_) => None,
            })
            .collect())
    } else {
        Err(TextConflict { hunks })
    }
}

impl TextConflict {
    /// The regions a person has to choose in.
    pub fn regions(&self) -> impl Iterator<Item = &ConflictRegion> {
        self.hunks.iter().filter_map(|h| match h {
            TextHunk::Conflict(region) => Some(region),
            TextHunk::Resolved(_) => None,
        })
    }

    /// The length of the markers [`render_markers`](Self::render_markers) draws: at least 7,
    /// and longer than any run of `<`, `>`, `=` or `|` in the texts, so a marker can never be
    /// mistaken for content (as jj chooses its marker length).
    pub fn marker_len(&self) -> usize {
        let longest = self
            .hunks
            .iter()
            .flat_map(|h| match h {
                TextHunk::Resolved(text) => vec![text.as_str()],
                TextHunk::Conflict(r) => vec![r.base.as_str(), r.vendor.as_str(), r.repo.as_str()],
            })
            .map(longest_marker_run)
            .max()
            .unwrap_or(0);
        (longest + 1).max(7)
    }

    /// The text with diff3-style conflict markers (repository, then base, then vendor), for
    /// showing to a person. Never write this into YAML.
    ///
    /// ```
    /// use interop_sync::merge::merge_text;
    /// let conflict = merge_text("a\nb\n", "a\nB vendor\n", "a\nB repo\n").unwrap_err();
    /// assert_eq!(
    ///     conflict.render_markers(),
    ///     "a\n<<<<<<< repo\nB repo\n||||||| base\nb\n=======\nB vendor\n>>>>>>> vendor\n"
    /// );
    /// ```
    pub fn render_markers(&self) -> String {
        let len = self.marker_len();
        let marker = |c: char, label: &str| {
            let mut line = c.to_string().repeat(len);
            if !label.is_empty() {
                line.push(' ');
                line.push_str(label);
            }
            line.push('\n');
            line
        };
        let mut out = String::new();
        for hunk in &self.hunks {
            match hunk {
                TextHunk::Resolved(text) => push_after_line(&mut out, text),
                TextHunk::Conflict(r) => {
                    push_after_line(&mut out, &marker('<', "repo"));
                    out.push_str(&r.repo);
                    push_after_line(&mut out, &marker('|', "base"));
                    out.push_str(&r.base);
                    push_after_line(&mut out, &marker('=', ""));
                    out.push_str(&r.vendor);
                    push_after_line(&mut out, &marker('>', "vendor"));
                }
            }
        }
        out
    }

    /// The text with every conflicting region taken from `side`, keeping what the merge
    /// resolved (the other side's edits elsewhere in the text).
    pub(crate) fn resolve(&self, side: Side) -> String {
        let mut out = String::new();
        for hunk in &self.hunks {
            let text = match hunk {
                TextHunk::Resolved(text) => text,
                TextHunk::Conflict(r) => match side {
                    Side::Vendor => &r.vendor,
                    Side::Repo => &r.repo,
                },
            };
            push_after_line(&mut out, text);
        }
        out
    }
}

/// Appends `text`, first ending the last line of `out` when it has no line ending (only the
/// last line of a side can lack one, and something still follows it).
fn push_after_line(out: &mut String, text: &str) {
    if !text.is_empty() && !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(text);
}

fn ends_with_newline(text: &str) -> bool {
    text.ends_with('\n') || text.ends_with('\r')
}

/// The text with a final newline, so that its last line compares equal to the same line in
/// the middle of another version.
fn terminated(text: &str) -> Cow<'_, str> {
    if text.is_empty() || ends_with_newline(text) {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(format!("{text}\n"))
    }
}

/// A three-way merge of a yes/no property, which never conflicts.
fn merge_flag(base: bool, vendor: bool, repo: bool) -> bool {
    if vendor == base { repo } else { vendor }
}

fn strip_final_newline(text: &mut String) {
    if text.ends_with('\n') {
        text.pop();
    }
}

fn lines<'a>(range: Range<usize>, line: impl Fn(usize) -> Option<&'a str>) -> String {
    range
        .map(|i| line(i).expect("similar gave a line range inside its input"))
        .collect()
}

/// `region` (lines of the terminated form of `original`) as they are in `original`: without the
/// newline [`terminated`] added when the region ends the text.
fn exact(original: &str, mut region: String, ends_text: bool) -> String {
    if ends_text && !ends_with_newline(original) {
        strip_final_newline(&mut region);
    }
    region
}

fn longest_marker_run(text: &str) -> usize {
    let mut longest = 0;
    let mut run = 0;
    let mut previous = None;
    for c in text.chars() {
        if matches!(c, '<' | '>' | '=' | '|') {
            run = if previous == Some(c) { run + 1 } else { 1 };
            longest = longest.max(run);
            previous = Some(c);
        } else {
            run = 0;
            previous = None;
        }
    }
    longest
}
