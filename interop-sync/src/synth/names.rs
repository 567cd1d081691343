//! Word lists that make generated projects read like a real company's dbt repository.

/// A source system: its name, how it is loaded, a one-line description and its tables.
pub(crate) struct System {
    pub name: &'static str,
    pub title: &'static str,
    pub loader: &'static str,
    pub about: &'static str,
    pub tables: &'static [&'static str],
}

pub(crate) const SYSTEMS: &[System] = &[
    System {
        name: "shop_db",
        title: "Storefront database",
        loader: "airbyte",
        about: "Read replica of the storefront's Postgres database",
        tables: &[
            "orders",
            "customers",
            "order_items",
            "products",
            "addresses",
            "carts",
        ],
    },
    System {
        name: "stripe",
        title: "Stripe",
        loader: "fivetran",
        about: "Payments, refunds and subscriptions from Stripe",
        tables: &[
            "charges",
            "refunds",
            "payouts",
            "invoices",
            "subscriptions",
            "disputes",
        ],
    },
    System {
        name: "hubspot",
        title: "HubSpot",
        loader: "fivetran",
        about: "Marketing contacts, companies and deals from HubSpot",
        tables: &[
            "contacts",
            "companies",
            "deals",
            "engagements",
            "owners",
            "forms",
        ],
    },
    System {
        name: "zendesk",
        title: "Zendesk",
        loader: "stitch",
        about: "Support tickets and satisfaction ratings from Zendesk",
        tables: &[
            "tickets",
            "users",
            "organizations",
            "ticket_comments",
            "satisfaction_ratings",
        ],
    },
    System {
        name: "segment",
        title: "Segment",
        loader: "segment",
        about: "Behavioural events collected by Segment",
        tables: &["tracks", "pages", "identifies", "screens", "groups"],
    },
    System {
        name: "netsuite",
        title: "NetSuite",
        loader: "fivetran",
        about: "General ledger and procurement from NetSuite",
        tables: &[
            "transactions",
            "accounts",
            "vendors",
            "items",
            "subsidiaries",
            "journals",
        ],
    },
    System {
        name: "salesforce",
        title: "Salesforce",
        loader: "fivetran",
        about: "Pipeline and account data from Salesforce",
        tables: &[
            "opportunities",
            "leads",
            "campaigns",
            "tasks",
            "contracts",
            "quotes",
        ],
    },
    System {
        name: "google_ads",
        title: "Google Ads",
        loader: "fivetran",
        about: "Campaign structure and daily spend from Google Ads",
        tables: &[
            "campaigns",
            "ad_groups",
            "ads",
            "keywords",
            "campaign_stats",
        ],
    },
    System {
        name: "shipbob",
        title: "ShipBob",
        loader: "airbyte",
        about: "Fulfilment and shipping from the 3PL",
        tables: &[
            "shipments",
            "fulfillment_orders",
            "inventory",
            "returns",
            "warehouses",
        ],
    },
    System {
        name: "intercom",
        title: "Intercom",
        loader: "stitch",
        about: "In-app conversations from Intercom",
        tables: &[
            "conversations",
            "conversation_parts",
            "admins",
            "tags",
            "companies",
        ],
    },
    System {
        name: "jira",
        title: "Jira",
        loader: "airbyte",
        about: "Engineering issues and sprints from Jira",
        tables: &[
            "issues",
            "sprints",
            "projects",
            "worklogs",
            "issue_changelogs",
        ],
    },
    System {
        name: "mixpanel",
        title: "Mixpanel",
        loader: "airbyte",
        about: "Product analytics events from Mixpanel",
        tables: &["events", "profiles", "cohorts", "funnels"],
    },
];

/// Business domains, each with the entities its intermediate and mart models are about.
pub(crate) struct Domain {
    pub name: &'static str,
    pub owner: &'static str,
    pub entities: &'static [&'static str],
}

pub(crate) const DOMAINS: &[Domain] = &[
    Domain {
        name: "finance",
        owner: "finance-analytics",
        entities: &[
            "order",
            "payment",
            "invoice",
            "refund",
            "payout",
            "subscription",
            "ledger_entry",
        ],
    },
    Domain {
        name: "marketing",
        owner: "marketing-analytics",
        entities: &[
            "campaign",
            "session",
            "lead",
            "touchpoint",
            "ad_spend",
            "email_send",
        ],
    },
    Domain {
        name: "product",
        owner: "product-analytics",
        entities: &[
            "user",
            "workspace",
            "feature_usage",
            "experiment",
            "page_view",
            "release",
        ],
    },
    Domain {
        name: "operations",
        owner: "ops-analytics",
        entities: &[
            "shipment",
            "delivery",
            "stock_level",
            "return",
            "purchase_order",
            "supplier",
        ],
    },
    Domain {
        name: "sales",
        owner: "revops",
        entities: &[
            "opportunity",
            "account",
            "contract",
            "quote",
            "deal",
            "territory",
        ],
    },
    Domain {
        name: "support",
        owner: "support-ops",
        entities: &[
            "ticket",
            "conversation",
            "csat_response",
            "agent_shift",
            "sla_breach",
        ],
    },
];

/// Verbs for intermediate model names (`int_<entity>_<verb>`).
pub(crate) const INT_VERBS: &[&str] = &[
    "joined",
    "enriched",
    "deduplicated",
    "filtered",
    "pivoted",
    "unioned",
    "mapped",
    "scored",
];

/// Qualifiers appended to mart names when the plain name is taken.
pub(crate) const MART_QUALIFIERS: &[&str] = &[
    "daily",
    "weekly",
    "monthly",
    "current",
    "history",
    "by_region",
    "by_channel",
    "summary",
];

/// A categorical column: its name and the values it can take.
pub(crate) struct Category {
    pub name: &'static str,
    pub values: &'static [&'static str],
}

pub(crate) const CATEGORIES: &[Category] = &[
    Category {
        name: "status",
        values: &["active", "paused", "cancelled"],
    },
    Category {
        name: "state",
        values: &["pending", "completed", "failed"],
    },
    Category {
        name: "channel",
        values: &["web", "mobile", "store", "partner"],
    },
    Category {
        name: "tier",
        values: &["free", "starter", "pro", "enterprise"],
    },
    Category {
        name: "priority",
        values: &["low", "normal", "high", "urgent"],
    },
    Category {
        name: "region",
        values: &["amer", "emea", "apac"],
    },
    Category {
        name: "kind",
        values: &["standard", "express", "return"],
    },
];

/// Timestamp column names and the past-tense verb used in their description.
pub(crate) const TIMESTAMPS: &[(&str, &str)] = &[
    ("created_at", "created"),
    ("updated_at", "last updated"),
    ("occurred_at", "recorded"),
    ("started_at", "started"),
    ("closed_at", "closed"),
    ("sent_at", "sent"),
];

/// Text column suffixes (`<entity>_<suffix>`).
pub(crate) const TEXT_SUFFIXES: &[&str] = &["name", "code", "reference", "label"];

/// A singular form for a (plural, snake_case) table name.
pub(crate) fn singular(table: &str) -> String {
    if let Some(stem) = table.strip_suffix("ies") {
        format!("{stem}y")
    } else if let Some(stem) = table.strip_suffix("sses") {
        format!("{stem}ss")
    } else if table.ends_with("ss") {
        table.to_string()
    } else if let Some(stem) = table.strip_suffix('s') {
        stem.to_string()
    } else {
        table.to_string()
    }
}

/// A plural form for a singular snake_case entity name.
pub(crate) fn plural(entity: &str) -> String {
    if let Some(stem) = entity.strip_suffix('y')
        && !stem.ends_with(['a', 'e', 'o', 'u'])
    {
        return format!("{stem}ies");
    }
    if entity.ends_with('s') || entity.ends_with("sh") || entity.ends_with("ch") {
        return format!("{entity}es");
    }
    format!("{entity}s")
}

/// `ledger_entry` → `ledger entry`.
pub(crate) fn words(snake: &str) -> String {
    snake.replace('_', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn singular_and_plural() {
        assert_eq!(singular("opportunities"), "opportunity");
        assert_eq!(singular("addresses"), "address");
        assert_eq!(singular("charges"), "charge");
        assert_eq!(singular("inventory"), "inventory");
        assert_eq!(plural("opportunity"), "opportunities");
        assert_eq!(plural("delivery"), "deliveries");
        assert_eq!(plural("ad_spend"), "ad_spends");
        assert_eq!(plural("address"), "addresses");
        assert_eq!(plural("survey"), "surveys");
    }

    #[test]
    fn names_are_identifiers_without_double_underscores() {
        let all = SYSTEMS
            .iter()
            .flat_map(|s| s.tables.iter().copied().chain([s.name]))
            .chain(
                DOMAINS
                    .iter()
                    .flat_map(|d| d.entities.iter().copied().chain([d.name])),
            );
        for name in all {
            assert!(
                name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{name}"
            );
            assert!(!name.contains("__"), "{name}");
        }
    }
}
