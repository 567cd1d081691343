//! Fixture cases for the editor, one folder each under `tests/fixtures/edits/`: `before.yml`,
//! `edits.yml` (a list of `{op: set|insert|append|remove|rename_key, path, value, key, after,
//! new_key}`), and `after.yml` with the exact bytes expected — or `error.txt` with the start of
//! the expected error when the edit must be refused. Every case also checks that the bytes
//! outside the splices are the original's and that re-applying `set` edits changes nothing.
//!
//! `INTEROP_BLESS=1 cargo test --test edit_fixtures` writes missing `after.yml` files for review.

use std::path::Path;

use interop_sync::edit::{SpliceEditor, YamlEdit, YamlEditor, YamlPath};
use interop_sync::read::yaml;
use serde_json::Value;

fn parse_edits(text: &str) -> Vec<YamlEdit> {
    let json = yaml::parse(text, &Default::default())
        .unwrap()
        .unwrap()
        .to_json();
    json.as_array()
        .expect("edits.yml is a list")
        .iter()
        .map(|e| {
            let s = |k: &str| e.get(k).and_then(Value::as_str).map(str::to_string);
            let path = YamlPath::parse(&s("path").expect("path")).unwrap();
            let value = e.get("value").cloned().unwrap_or(Value::Null);
            match s("op").as_deref() {
                Some("set") => YamlEdit::Set { path, value },
                Some("insert") => YamlEdit::Insert {
                    path,
                    key: s("key").expect("key"),
                    value,
                    after: s("after"),
                },
                Some("append") => YamlEdit::Append { path, value },
                Some("remove") => YamlEdit::Remove { path },
                Some("rename_key") => YamlEdit::RenameKey {
                    path,
                    new_key: s("new_key").expect("new_key"),
                },
                other => panic!("unknown op {other:?}"),
            }
        })
        .collect()
}

fn run_case(dir: &Path) -> Result<(), String> {
    let before = std::fs::read_to_string(dir.join("before.yml")).map_err(|e| e.to_string())?;
    let edits =
        parse_edits(&std::fs::read_to_string(dir.join("edits.yml")).map_err(|e| e.to_string())?);
    let editor = SpliceEditor::default();
    let result = editor.apply(&before, &edits);
    let error_file = dir.join("error.txt");
    if error_file.exists() {
        let want = std::fs::read_to_string(&error_file).unwrap();
        return match result {
            Err(e) if e.to_string().starts_with(want.trim()) => Ok(()),
            Err(e) => Err(format!("error '{e}', expected '{}'", want.trim())),
            Ok(_) => Err("the edit succeeded; it must be refused".into()),
        };
    }
    let out = result.map_err(|e| format!("edit failed: {e}"))?;
    let mut replay = before.clone();
    for s in &out.splices {
        replay.replace_range(s.range.clone(), &s.text);
    }
    if replay != out.text {
        return Err("splices do not reproduce the result".into());
    }
    for edit in &edits {
        if let YamlEdit::Set { .. } = edit {
            let again = editor
                .apply(&out.text, std::slice::from_ref(edit))
                .map_err(|e| e.to_string())?;
            if again.text != out.text {
                return Err(format!("re-applying {edit:?} changed the file"));
            }
        }
    }
    let after_file = dir.join("after.yml");
    if !after_file.exists() && std::env::var_os("INTEROP_BLESS").is_some() {
        std::fs::write(&after_file, &out.text).unwrap();
    }
    let want =
        std::fs::read_to_string(&after_file).map_err(|_| "after.yml is missing".to_string())?;
    if out.text != want {
        return Err(format!("--- got ---\n{}\n--- want ---\n{want}", out.text));
    }
    Ok(())
}

#[test]
fn edit_fixture_cases() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/edits");
    let mut cases: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    assert!(cases.len() >= 60, "only {} cases", cases.len());
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|dir| {
            run_case(dir)
                .err()
                .map(|e| format!("{}: {e}", dir.file_name().unwrap().to_string_lossy()))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}
