//! Property tests of the three-way merge: the trivial-merge laws and "nothing silently lost" on
//! random JSON trees edited at random by two sides, and the line merge checked against
//! `git merge-file --diff3`.

use std::process::Command;

use interop_sync::edit::Segment;
use interop_sync::merge::{FieldPath, MergeResult, Policies, Policy, merge_resource, merge_text};
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{Map, Value};

// ---------------------------------------------------------------------------------------------
// Random resources, and random edits of them.

const KEYS: &[&str] = &["name", "description", "sql", "a", "b", "columns", "meta"];
const NAMES: &[&str] = &["id", "status", "amount"];
const LINES: &[&str] = &["select 1", "from t", "where x", "", "-- note"];

fn text() -> impl Strategy<Value = Value> {
    (
        proptest::collection::vec(select(LINES), 0..4),
        any::<bool>(),
    )
        .prop_map(|(lines, end)| Value::from(lines.join("\n") + if end { "\n" } else { "" }))
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (0i64..3).prop_map(Value::from),
        select(&["x", "y", "unique", "id"][..]).prop_map(Value::from),
        text(),
    ]
}

fn tree() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            // Named entries, sometimes with a repeated name (then the list is not keyed).
            proptest::collection::vec((select(NAMES), inner.clone()), 0..4).prop_map(|items| {
                Value::Array(
                    items
                        .into_iter()
                        .map(|(name, v)| serde_json::json!({"name": name, "v": v}))
                        .collect(),
                )
            }),
            // Tests in their long form.
            proptest::collection::vec(
                (select(&["unique", "accepted_values"][..]), inner.clone()),
                0..3
            )
            .prop_map(|items| {
                Value::Array(
                    items
                        .into_iter()
                        .map(|(k, v)| object(vec![(k, v)]))
                        .collect(),
                )
            }),
            proptest::collection::vec((select(KEYS), inner), 0..5).prop_map(object),
        ]
    })
}

fn object(entries: Vec<(&str, Value)>) -> Value {
    Value::Object(
        entries
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
    )
}

fn resource() -> impl Strategy<Value = Value> {
    proptest::collection::vec((select(KEYS), tree()), 0..6).prop_map(object)
}

/// Random decisions for [`mutate`]; when they run out, nothing more changes.
struct Tape {
    bytes: Vec<u8>,
    fresh: Vec<Value>,
}

impl Tape {
    fn next(&mut self) -> usize {
        self.bytes.pop().map_or(usize::MAX, usize::from)
    }

    fn fresh(&mut self) -> Value {
        self.fresh.pop().unwrap_or(Value::Null)
    }

    fn fresh_item(&mut self) -> Value {
        if self.next().is_multiple_of(2) {
            let name = NAMES[self.next() % NAMES.len()];
            serde_json::json!({"name": name, "v": self.fresh()})
        } else {
            self.fresh()
        }
    }
}

/// `value` edited as the tape says: replaced, deleted, or kept with its children edited and
/// sometimes a key or item added, a list reversed or a line of a text changed.
fn mutate(value: &Value, tape: &mut Tape) -> Option<Value> {
    let choice = tape.next() % 12;
    match choice {
        0 => return Some(tape.fresh()),
        1 => return None,
        _ => {}
    }
    Some(match value {
        Value::Object(map) => {
            let mut out: Map<String, Value> = map
                .iter()
                .filter_map(|(k, v)| Some((k.clone(), mutate(v, tape)?)))
                .collect();
            if choice == 2 {
                out.insert(KEYS[tape.next() % KEYS.len()].to_string(), tape.fresh());
            }
            Value::Object(out)
        }
        Value::Array(items) => {
            let mut out: Vec<Value> = items.iter().filter_map(|v| mutate(v, tape)).collect();
            if choice == 2 {
                let at = tape.next() % (out.len() + 1);
                let item = tape.fresh_item();
                out.insert(at, item);
            }
            if choice == 3 {
                out.reverse();
            }
            Value::Array(out)
        }
        Value::String(text) if choice <= 7 => {
            let mut lines: Vec<String> = text.split('\n').map(str::to_string).collect();
            let at = tape.next() % lines.len();
            let line = format!("edit {}", tape.next() % 3);
            match choice {
                2..=4 => lines[at] = line,
                5 => drop(lines.remove(at)),
                _ => lines.insert(at, line),
            }
            Value::from(lines.join("\n"))
        }
        other => other.clone(),
    })
}

/// Three versions of a resource: a base and two independent random edits of it. Without a base,
/// both sides add (edits of) the same resource.
fn three_versions() -> impl Strategy<Value = [Option<Value>; 3]> {
    (
        resource(),
        prop::bool::weighted(0.85),
        [
            proptest::collection::vec(any::<u8>(), 0..48),
            proptest::collection::vec(any::<u8>(), 0..48),
        ],
        [
            proptest::collection::vec(tree(), 4),
            proptest::collection::vec(tree(), 4),
        ],
    )
        .prop_map(|(seed, has_base, [vb, rb], [vf, rf])| {
            let vendor = mutate(
                &seed,
                &mut Tape {
                    bytes: vb,
                    fresh: vf,
                },
            );
            let repo = mutate(
                &seed,
                &mut Tape {
                    bytes: rb,
                    fresh: rf,
                },
            );
            [has_base.then_some(seed), vendor, repo]
        })
}

// ---------------------------------------------------------------------------------------------
// Looking fields up the way the module documents them, written again here as the oracle.

fn identity(item: &Value) -> Option<String> {
    match item {
        Value::Object(map) => match map.get("name") {
            Some(Value::String(name)) => Some(name.clone()),
            _ if map.len() == 1 => {
                let (key, args) = map.iter().next()?;
                Some(match args.get("name").and_then(Value::as_str) {
                    Some(name) => format!("{key}:{name}"),
                    None => key.clone(),
                })
            }
            _ => None,
        },
        Value::Array(_) => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// The items of a list by identity, when every item has one and no two share it.
fn keyed(items: &[Value]) -> Option<Vec<(String, &Value)>> {
    let keyed: Vec<(String, &Value)> = items
        .iter()
        .map(|item| Some((identity(item)?, item)))
        .collect::<Option<_>>()?;
    let mut ids: Vec<&String> = keyed.iter().map(|(id, _)| id).collect();
    ids.sort();
    ids.dedup();
    (ids.len() == keyed.len()).then_some(keyed)
}

fn get<'v>(value: Option<&'v Value>, path: &FieldPath) -> Option<&'v Value> {
    path.0.iter().try_fold(value?, |v, segment| match segment {
        Segment::Key(k) => v.as_object()?.get(k),
        Segment::Named(id) => keyed(v.as_array()?)?
            .into_iter()
            .find_map(|(i, item)| (i == *id).then_some(item)),
        Segment::Index(_) => panic!("merge paths have no positions"),
    })
}

/// Every node's path in `value`, through mappings and keyed lists.
fn collect_paths(value: &Value, path: &FieldPath, out: &mut Vec<FieldPath>) {
    out.push(path.clone());
    match value {
        Value::Object(map) => map
            .iter()
            .for_each(|(k, v)| collect_paths(v, &path.key(k), out)),
        Value::Array(items) => {
            for (id, item) in keyed(items).unwrap_or_default() {
                let mut child = path.clone();
                child.0.push(Segment::Named(id));
                collect_paths(item, &child, out);
            }
        }
        _ => {}
    }
}

fn is_prefix(prefix: &FieldPath, path: &FieldPath) -> bool {
    path.0.starts_with(&prefix.0)
}

/// Whether the merge descends into these two (rather than treating them as one value).
fn both_containers(vendor: Option<&Value>, repo: Option<&Value>) -> bool {
    match (vendor, repo) {
        (Some(Value::Object(_)), Some(Value::Object(_))) => true,
        (Some(Value::Array(v)), Some(Value::Array(r))) => keyed(v).is_some() && keyed(r).is_some(),
        _ => false,
    }
}

fn merge(sides: &[Option<Value>; 3], policies: &Policies) -> MergeResult {
    let [b, v, r] = sides;
    merge_resource(b.as_ref(), v.as_ref(), r.as_ref(), policies)
}

fn conflict_paths(result: &MergeResult, auto: bool) -> Vec<String> {
    let list = if auto {
        &result.auto_resolved
    } else {
        &result.conflicts
    };
    list.iter().map(|c| c.path.to_string()).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn an_unchanged_side_yields_and_equal_sides_agree(sides in three_versions()) {
        let [b, x, _] = &sides;
        let policies = Policies::default();
        for (vendor, repo) in [(b, x), (x, b), (x, x)] {
            let result = merge_resource(b.as_ref(), vendor.as_ref(), repo.as_ref(), &policies);
            prop_assert_eq!(&result.merged, x);
            prop_assert!(result.conflicts.is_empty() && result.auto_resolved.is_empty());
        }
    }

    #[test]
    fn nothing_is_silently_lost(sides in three_versions()) {
        let result = merge(&sides, &Policies::default());
        let [b, v, r] = sides.each_ref().map(Option::as_ref);
        let merged = result.merged.as_ref();
        let mut paths = Vec::new();
        for value in [b, v, r].into_iter().flatten() {
            collect_paths(value, &FieldPath::default(), &mut paths);
        }
        let conflicted = |p: &FieldPath| result.conflicts.iter().any(|c| is_prefix(&c.path, p));
        for p in &paths {
            let (bp, vp, rp) = (get(b, p), get(v, p), get(r, p));
            let mp = get(merged, p);
            if vp != bp && rp == bp {
                prop_assert!(mp == vp || conflicted(p), "vendor's change at '{}' lost", p);
            } else if rp != bp && vp == bp {
                prop_assert!(mp == rp || conflicted(p), "repo's change at '{}' lost", p);
            } else if vp != bp && rp != bp && vp != rp && !both_containers(vp, rp) {
                let clean_text = match (bp, vp, rp, mp) {
                    (Some(Value::String(b)), Some(Value::String(v)), Some(Value::String(r)),
                     Some(Value::String(m))) => merge_text(b, v, r).as_ref() == Ok(m),
                    _ => false,
                };
                prop_assert!(conflicted(p) || clean_text, "both changed '{}', no conflict", p);
            }
        }
        // A conflict records the three versions, and (manual policy) the repository's stays.
        for c in &result.conflicts {
            prop_assert_eq!(c.base.as_ref(), get(b, &c.path));
            prop_assert_eq!(c.vendor.as_ref(), get(v, &c.path));
            prop_assert_eq!(c.repo.as_ref(), get(r, &c.path));
            prop_assert_eq!(get(merged, &c.path), c.repo.as_ref(), "at '{}'", c.path);
        }
    }

    #[test]
    fn policies_change_the_values_of_conflicts_not_which_fields_conflict(
        sides in three_versions()
    ) {
        let manual = merge(&sides, &Policies::default());
        let [_, v, r] = sides.each_ref().map(Option::as_ref);
        for (policy, side) in [(Policy::PreferVendor, v), (Policy::PreferRepo, r)] {
            let result = merge(&sides, &Policies::new(policy));
            prop_assert!(result.conflicts.is_empty());
            prop_assert_eq!(conflict_paths(&result, true), conflict_paths(&manual, false));
            for c in result.auto_resolved.iter().filter(|c| c.text.is_none()) {
                prop_assert_eq!(get(result.merged.as_ref(), &c.path), get(side, &c.path));
            }
        }
        if manual.conflicts.is_empty() {
            prop_assert_eq!(merge(&sides, &Policies::new(Policy::PreferVendor)), manual);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The line merge against git.

/// `git merge-file -p --diff3` of the three texts: whether it was clean, and its output.
fn git_merge_file(base: &str, vendor: &str, repo: &str) -> (bool, String) {
    let dir = tempfile::tempdir().unwrap();
    let file = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    };
    let (r, b, v) = (
        file("repo", repo),
        file("base", base),
        file("vendor", vendor),
    );
    let out = Command::new("git")
        .args([
            "merge-file",
            "-p",
            "--diff3",
            "-L",
            "repo",
            "-L",
            "base",
            "-L",
            "vendor",
        ])
        .args([&r, &b, &v])
        .output()
        .expect("git is on PATH");
    let code = out.status.code().expect("git exited");
    assert!((0..128).contains(&code), "git merge-file failed: {out:?}");
    (code == 0, String::from_utf8(out.stdout).unwrap())
}

/// One side's edit of a base of `n` unique lines: which base lines it keeps, and the lines it
/// inserts before each base line (and at the end).
fn side_edit(n: usize) -> impl Strategy<Value = (Vec<bool>, Vec<Vec<&'static str>>)> {
    let inserted = prop_oneof![
        5 => Just(Vec::new()),
        1 => proptest::collection::vec(select(&["x", "y", "z"][..]), 1..3),
    ];
    (
        proptest::collection::vec(prop::bool::weighted(0.85), n),
        proptest::collection::vec(inserted, n + 1),
    )
}

fn render_side(n: usize, (keep, inserted): &(Vec<bool>, Vec<Vec<&str>>)) -> String {
    let mut text = String::new();
    for (i, lines) in inserted.iter().enumerate() {
        lines.iter().for_each(|l| text.push_str(&format!("{l}\n")));
        if i < n && keep[i] {
            text.push_str(&format!("b{i}\n"));
        }
    }
    text
}

/// Three newline-terminated texts. Base lines are unique and the sides only keep, drop or add
/// lines (from a pool shared by both, so they sometimes make the same change): the diff of each
/// side against the base is then unique, so what is compared is the merge itself.
///
/// With repeated lines the two diff implementations may align a side differently, both
/// minimal, and the merges then differ legitimately. Of all texts of up to three lines of `a`
/// and `b` (3,375 triples), 172 differ in clean-versus-conflict and 4 in the clean text; e.g.
/// base `b a`, vendor `a a`, repo `b a a`: similar reads the vendor as "drop b, add an a after
/// the a" (the repository's addition too, so the same change: `a a`), git as "b becomes a"
/// (then `a a a`). Hence the unique base lines.
fn three_texts() -> impl Strategy<Value = [String; 3]> {
    (0usize..12).prop_flat_map(|n| {
        (side_edit(n), side_edit(n)).prop_map(move |(v, r)| {
            let base = (0..n).map(|i| format!("b{i}\n")).collect();
            [base, render_side(n, &v), render_side(n, &r)]
        })
    })
}

fn strip_newline(text: &str, strip: bool) -> String {
    match text.strip_suffix('\n') {
        Some(stripped) if strip => stripped.to_string(),
        _ => text.to_string(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

    #[test]
    fn line_merge_agrees_with_git_merge_file(texts in three_texts()) {
        let [base, vendor, repo] = &texts;
        let (git_clean, git_text) = git_merge_file(base, vendor, repo);
        match merge_text(base, vendor, repo) {
            Ok(merged) => {
                prop_assert!(git_clean, "git conflicts, we merged:\n{}", merged);
                prop_assert_eq!(merged, git_text);
            }
            Err(conflict) => {
                prop_assert!(!git_clean, "git merged, we conflict:\n{}", git_text);
                // Same regions, so the same rendering as git's (7-character markers here).
                prop_assert_eq!(conflict.render_markers(), git_text);
            }
        }
    }

    /// Without a final newline git and we differ on purpose (see `merge_text`): we only ever
    /// merge more, never less, and never differently.
    #[test]
    fn without_final_newlines_what_git_merges_we_merge_the_same(
        texts in three_texts(),
        strip in [any::<bool>(), any::<bool>(), any::<bool>()],
    ) {
        let [base, vendor, repo] = [0, 1, 2].map(|i| strip_newline(&texts[i], strip[i]));
        let (git_clean, git_text) = git_merge_file(&base, &vendor, &repo);
        if git_clean {
            prop_assert_eq!(merge_text(&base, &vendor, &repo), Ok(git_text));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// Inside a resource, a model's SQL changed on both sides is what the line merge makes of it:
    /// the merged text, or a conflict carrying the line merge's regions.
    #[test]
    fn sql_changed_on_both_sides_is_line_merged(texts in three_texts()) {
        let [base, vendor, repo] = texts.map(|sql| serde_json::json!({"name": "orders", "sql": sql}));
        let result = merge_resource(Some(&base), Some(&vendor), Some(&repo), &Policies::default());
        let sql = |v: &Value| v["sql"].as_str().unwrap().to_string();
        let (b, v, r) = (sql(&base), sql(&vendor), sql(&repo));
        let merged = sql(result.merged.as_ref().unwrap());
        let both_changed = v != b && r != b && v != r;
        match merge_text(&b, &v, &r) {
            Ok(text) => {
                prop_assert!(result.conflicts.is_empty());
                prop_assert_eq!(merged, text);
            }
            Err(text) => {
                prop_assert_eq!(&merged, &r);
                prop_assert_eq!(result.conflicts.len(), 1);
                let conflict = &result.conflicts[0];
                // One line on every side: the whole value is the conflict, no line regions.
                let one_line = [&b, &v, &r].iter().all(|t| t.lines().count() <= 1);
                prop_assert_eq!(conflict.text.as_ref(), (!one_line).then_some(&text));
                prop_assert!(both_changed);
            }
        }
    }
}
