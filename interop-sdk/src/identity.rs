//! Identity: which repo resource is which vendor object. Ids are kept in the sync state (the
//! vendor's id → dbt's unique id), never in the customer's files. A resource keeps its identity
//!
//! - when it moves to another file: dbt's unique id does not name the file;
//! - when the vendor renames it: the vendor's id is stable, the name in the state changes;
//! - when the customer renames it: the old unique id is gone from the repo, and a resource of
//!   the same kind that no one else claims and whose fields match the agreed state (at least
//!   half of them, the name aside) is taken to be it;
//! - when both sides create the same resource: a new vendor object adopts the repo resource of
//!   the same kind and name.

use std::collections::{BTreeMap, BTreeSet};

use interop_sync::plan::ResourceState;
use serde_json::Value;

use crate::state::SyncState;

/// The repo resource (unique id) of each vendor object, and the set of repo resources claimed.
#[derive(Debug, Default)]
pub struct Identities {
    /// Vendor id → unique id in the repo.
    pub matched: BTreeMap<String, String>,
    /// Unique ids claimed by some vendor object.
    pub claimed: BTreeSet<String>,
}

/// The unique id a state has in package `package`, given the one it had (`known`): for a
/// source table the source's name is kept; a rename changes only the last part.
pub fn unique_id_with(package: &str, state: &ResourceState, known: Option<&str>) -> String {
    match known {
        Some(uid) => match uid.rsplit_once('.') {
            Some((head, _)) => format!("{head}.{}", state.name),
            None => uid.to_string(),
        },
        None => match state.value.get("model").and_then(Value::as_str) {
            // A new source table names its source after the `#` of its file.
            _ if let Some(source) = source_of(state) => {
                format!("source.{package}.{source}.{}", state.name)
            }
            // dbt names a unit test after the model it tests too.
            Some(model) if state.kind == interop_sync::model::ResourceKind::UnitTest => {
                format!("unit_test.{package}.{model}.{}", state.name)
            }
            _ => format!("{}.{package}.{}", state.kind.id_prefix(), state.name),
        },
    }
}

/// The source a source table's state names in its file (`<file>#<source>`); `None` for other
/// kinds (a metric's `<file>#<model>` names its model).
fn source_of(state: &ResourceState) -> Option<&str> {
    if state.kind != interop_sync::model::ResourceKind::Source {
        return None;
    }
    state
        .file
        .as_deref()
        .and_then(|f| f.rsplit_once('#'))
        .map(|(_, s)| s)
        .filter(|s| !s.is_empty())
}

/// The unique id of a state with no known id (`<kind>.<package>.<name>`).
pub fn unique_id_for(package: &str, state: &ResourceState) -> String {
    unique_id_with(package, state, None)
}

/// Matches vendor ids (agreed before, or desired now) with repo resources.
///
/// `existed_at_proposal` tells whether a unique id was already in the repo when the open sync
/// branch was proposed: a resource the vendor proposed but nobody merged yet cannot have been
/// renamed by the customer into one of those.
pub fn match_identities(
    state: &SyncState,
    vendor: &BTreeMap<String, ResourceState>,
    repo: &BTreeMap<String, ResourceState>,
    existed_at_proposal: &dyn Fn(&str) -> bool,
) -> Identities {
    let mut out = Identities::default();
    let claim = |out: &mut Identities, id: &str, uid: &str| {
        out.matched.insert(id.to_string(), uid.to_string());
        out.claimed.insert(uid.to_string());
    };
    // 1. Agreed (or proposed) resources still under their unique id.
    let known = |id: &str| {
        state
            .agreed
            .get(id)
            .or_else(|| state.proposed.get(id))
            .map(|s| s.unique_id.clone())
    };
    let mut ids: BTreeSet<&String> = state.agreed.keys().collect();
    ids.extend(state.proposed.keys());
    for id in &ids {
        if let Some(uid) = known(id)
            && repo.contains_key(&uid)
            && !out.claimed.contains(&uid)
        {
            claim(&mut out, id, &uid);
        }
    }
    // 2. A vendor rename may already be in the repo under the new name.
    for id in &ids {
        if out.matched.contains_key(*id) {
            continue;
        }
        if let (Some(wanted), Some(uid)) = (vendor.get(*id), known(id)) {
            let renamed = unique_id_with("", wanted, Some(&uid));
            if repo.contains_key(&renamed) && !out.claimed.contains(&renamed) {
                claim(&mut out, id, &renamed);
            }
        }
    }
    // 3. Customer renames: the best unclaimed resource of the same kind.
    for id in &ids {
        if out.matched.contains_key(*id) {
            continue;
        }
        let Some(agreed) = state.agreed.get(*id).or_else(|| state.proposed.get(*id)) else {
            continue;
        };
        let taken_by_vendor: BTreeSet<&str> = vendor
            .iter()
            .filter(|(v, _)| !ids.contains(v))
            .map(|(_, s)| s.name.as_str())
            .collect();
        let only_proposed = !state.agreed.contains_key(*id);
        let best = best_match(&agreed.state, repo, |uid, s| {
            let proposed_into_existing = only_proposed && existed_at_proposal(uid);
            !out.claimed.contains(uid)
                && !taken_by_vendor.contains(s.name.as_str())
                && !proposed_into_existing
        });
        if let Some(uid) = best {
            claim(&mut out, id, &uid);
        }
    }
    // 4. New vendor objects adopt a repo resource of the same kind and name.
    for (id, wanted) in vendor {
        if ids.contains(id) || out.matched.contains_key(id) {
            continue;
        }
        let found = repo
            .iter()
            .find(|(uid, s)| {
                s.kind == wanted.kind
                    && s.name == wanted.name
                    && !out.claimed.contains(*uid)
                    // A source table of a named source is only that source's.
                    && source_of(wanted)
                        .is_none_or(|src| uid.ends_with(&format!(".{src}.{}", wanted.name)))
            })
            .map(|(uid, _)| uid.clone());
        if let Some(uid) = found {
            claim(&mut out, id, &uid);
        }
    }
    out
}

/// The repo resource that `state` most likely became after a rename by the customer: the one
/// of the same kind, under another name, whose fields match best (at least half of them).
pub fn renamed(
    state: &ResourceState,
    repo: &BTreeMap<String, ResourceState>,
    allowed: impl Fn(&str) -> bool,
) -> Option<String> {
    best_match(state, repo, |uid, s| s.name != state.name && allowed(uid))
}

/// The repo resource of `state`'s kind, among those `allowed`, whose fields match `state`'s
/// best, if at least half of them match.
fn best_match(
    state: &ResourceState,
    repo: &BTreeMap<String, ResourceState>,
    allowed: impl Fn(&str, &ResourceState) -> bool,
) -> Option<String> {
    repo.iter()
        .filter(|(uid, s)| s.kind == state.kind && allowed(uid, s))
        .map(|(uid, s)| (similarity(&state.value, &s.value), uid))
        .filter(|(score, _)| *score >= 0.5)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, uid)| uid.clone())
}

/// How alike two states are, the name aside: the share of leaf fields (of both) that are
/// equal, from 0 to 1.
fn similarity(a: &Value, b: &Value) -> f64 {
    let (mut x, mut y) = (BTreeMap::new(), BTreeMap::new());
    leaves("", a, &mut x);
    leaves("", b, &mut y);
    for m in [&mut x, &mut y] {
        m.remove("name");
        m.remove("label");
    }
    let keys: BTreeSet<&String> = x.keys().chain(y.keys()).collect();
    if keys.is_empty() {
        return 0.0;
    }
    let same = keys.iter().filter(|k| x.get(**k) == y.get(**k)).count();
    same as f64 / keys.len() as f64
}

fn leaves(path: &str, v: &Value, out: &mut BTreeMap<String, Value>) {
    match v {
        Value::Object(map) => {
            for (k, v) in map {
                leaves(&format!("{path}.{k}"), v, out);
            }
        }
        Value::Array(items)
            if items.iter().all(|i| i.get("name").is_some()) && !items.is_empty() =>
        {
            for item in items {
                let name = item.get("name").map(|n| n.to_string()).unwrap_or_default();
                leaves(&format!("{path}[{name}]"), item, out);
            }
        }
        other => {
            out.insert(path.trim_start_matches('.').to_string(), other.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use interop_sync::model::ResourceKind;
    use serde_json::json;

    fn metric(name: &str, expr: &str) -> ResourceState {
        ResourceState {
            kind: ResourceKind::Metric,
            name: name.into(),
            value: json!({"name": name, "label": name, "type": "simple",
                "type_params": {"measure": {"name": expr}}, "description": "Money"}),
            file: None,
        }
    }

    #[test]
    fn a_source_table_is_adopted_only_from_its_own_source() {
        let table = |file: Option<&str>| ResourceState {
            kind: ResourceKind::Source,
            name: "orders".into(),
            value: json!({"name": "orders"}),
            file: file.map(str::to_string),
        };
        let repo: BTreeMap<String, ResourceState> = [
            ("source.shop.legacy.orders".to_string(), table(None)),
            ("source.shop.shop_db.orders".to_string(), table(None)),
        ]
        .into();
        let vendor: BTreeMap<String, ResourceState> = [
            ("t".to_string(), table(Some("models/_s.yml#shop_db"))),
            ("new".to_string(), table(Some("models/_n.yml#hubspot"))),
        ]
        .into();
        let found = match_identities(&SyncState::new("acme"), &vendor, &repo, &|_| false);
        assert_eq!(found.matched["t"], "source.shop.shop_db.orders");
        assert!(!found.matched.contains_key("new"));
        assert_eq!(
            unique_id_for("shop", &vendor["new"]),
            "source.shop.hubspot.orders"
        );
        // A metric's `#<model>` names its model, not a source.
        let mut m = metric("revenue", "x");
        m.file = Some("models/_m.yml#orders".into());
        let repo: BTreeMap<String, ResourceState> =
            [("metric.shop.revenue".to_string(), metric("revenue", "x"))].into();
        let vendor: BTreeMap<String, ResourceState> = [("m".to_string(), m)].into();
        let found = match_identities(&SyncState::new("acme"), &vendor, &repo, &|_| false);
        assert_eq!(found.matched["m"], "metric.shop.revenue");
    }

    #[test]
    fn a_customer_rename_keeps_the_identity() {
        let mut state = SyncState::new("acme");
        state.agreed.insert(
            "m1".into(),
            crate::state::Synced {
                unique_id: "metric.shop.revenue".into(),
                state: metric("revenue", "order_total"),
                before: None,
                removed: false,
            },
        );
        let repo: BTreeMap<String, ResourceState> = [
            ("metric.shop.gmv".to_string(), metric("gmv", "order_total")),
            ("metric.shop.other".to_string(), metric("other", "x")),
        ]
        .into();
        let vendor: BTreeMap<String, ResourceState> =
            [("m1".to_string(), metric("revenue", "order_total"))].into();
        let ids = match_identities(&state, &vendor, &repo, &|_| false);
        assert_eq!(ids.matched["m1"], "metric.shop.gmv");
        assert!(!ids.claimed.contains("metric.shop.other"));
    }

    #[test]
    fn unique_ids_keep_the_source_name() {
        let mut s = metric("orders_v2", "x");
        s.kind = ResourceKind::Source;
        assert_eq!(
            unique_id_with("shop", &s, Some("source.shop.raw.orders")),
            "source.shop.raw.orders_v2"
        );
    }
}
