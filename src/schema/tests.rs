use super::*;

/// A catalog with exactly what `layout` names (vectors typed as such).
fn catalog_of(layout: &Layout) -> Catalog {
    let mut c = Catalog::default();
    for r in layout.references() {
        let cols = c.tables.entry(r.table.clone()).or_default();
        if let Some(col) = r.column {
            let udt = match (r.vector, r.field) {
                (true, _) => "vector",
                (_, "json_array" | "metadata") => "jsonb",
                (_, "token_count" | "dimension") => "int4",
                (_, "updated_at" | "ended_at" | "created_at") => "timestamptz",
                _ => "text",
            };
            // A column named twice (a time that is also the order) keeps its type.
            if udt != "text" || !cols.contains_key(&col) {
                cols.insert(col, Column::of(udt));
            }
        }
    }
    c
}

#[test]
fn every_built_in_layout_parses_and_checks() {
    let names: Vec<String> = built_in().into_iter().map(|l| l.name).collect();
    assert_eq!(names, ["native", "domo", "workspaces", "limitless", "omni"]);
    for l in built_in() {
        assert!(l.entity(Kind::Tenant).is_some(), "{}: every layout has tenants", l.name);
        assert!(l.references().len() > 5, "{}", l.name);
        if l.name != "native" {
            assert!(ddl(&l.name).is_some(), "{}: its schema ships as DDL", l.name);
        }
    }
}

#[test]
fn each_layout_is_detected_on_its_own_catalog() {
    for l in built_in() {
        let (chosen, fits) = detect(&catalog_of(&l));
        assert_eq!(chosen.map(|c| c.name), Some(l.name.clone()), "{fits:?}");
    }
    let (chosen, fits) = detect(&Catalog::default());
    assert!(chosen.is_none());
    assert!(fits.iter().all(|f| !f.full() && f.present == 0));
}

#[test]
fn a_missing_column_or_table_is_named_with_what_names_it() {
    let domo = load("domo").unwrap();
    let mut c = catalog_of(&domo);
    c.tables.get_mut(&Table::parse("public.conversation_messages")).unwrap().remove("timestamp");
    let f = fit(&domo, &c);
    assert!(!f.full());
    assert_eq!(f.missing.len(), 2, "created_at and order both name it: {:?}", f.missing);
    assert!(
        f.missing[0].starts_with("table public.conversation_messages has no column \"timestamp\" (named by [message]"),
        "{:?}",
        f.missing
    );
    assert!(f.missing[0].contains("it has: "), "the columns it has are listed: {:?}", f.missing);
    c.tables.remove(&Table::parse("auth.users"));
    let f = fit(&domo, &c);
    assert!(f.missing.iter().any(|m| m == "no table auth.users (named by [tenant])"), "{:?}", f.missing);
    // An embedding that is not a vector column.
    let mut c = catalog_of(&domo);
    c.tables
        .get_mut(&Table::parse("public.knowledge_chunks"))
        .unwrap()
        .insert("vector_embedding".into(), Column::of("text"));
    assert!(fit(&domo, &c).missing[0].contains("is text, not a vector"));
    // A column a list shows: a built-in layout's list extras are not what
    // makes a platform its own; it still fits, and the column is left out.
    let omni = load("omni").unwrap();
    let mut c = catalog_of(&omni);
    c.tables.get_mut(&Table::parse("public.customers")).unwrap().remove("company_name");
    assert!(fit(&omni, &c).full(), "{:?}", fit(&omni, &c).missing);
    let dropped = omni.clone().drop_unavailable_extras(&c);
    assert!(dropped.contains(&"[tenant] column company_name".to_string()), "{dropped:?}");
    // A user's layout is held to every column it names.
    let mine = Layout { built_in: false, ..omni };
    let f = fit(&mine, &c);
    assert!(
        f.missing
            .iter()
            .any(|m| m.starts_with("table public.customers has no column \"company_name\" (named by [tenant] columns")),
        "{:?}",
        f.missing
    );
}

#[test]
fn the_most_specific_full_match_wins() {
    // A database with two platforms' tables side by side: the layout that
    // names more of them is chosen, and the other still reports a full fit.
    let omni = load("omni").unwrap();
    let domo = load("domo").unwrap();
    let mut c = catalog_of(&omni);
    for (t, cols) in catalog_of(&domo).tables {
        c.tables.entry(t).or_default().extend(cols);
    }
    let (chosen, fits) = detect(&c);
    let full: Vec<&str> = fits.iter().filter(|f| f.full()).map(|f| f.layout.as_str()).collect();
    assert_eq!(full.len(), 2, "{fits:?}");
    let most = if omni.references().len() >= domo.references().len() { "omni" } else { "domo" };
    assert_eq!(chosen.unwrap().name, most);
}

#[test]
fn every_entitys_problem_is_named_at_once() {
    let text = "name = \"x\"\ndescription = \"d\"\nwrites = [\"memory\"]\n\
                [tenant]\ntable = \"t\"\nid = \"Id\"\n\
                [demo]\ntable = \"d\"\nid = \"id\"\nparent = \"t_id\"\n\
                [rate_limit]\ntable = \"q\"\nkey = \"k\"";
    let e = crate::schema::parse(text, "x.toml").unwrap_err().to_string();
    assert!(e.contains("3 problems: writes names 'memory'"), "{e}");
    assert!(e.contains("[tenant] id = \"Id\" is not a plain column name"), "{e}");
    assert!(e.contains("[rate_limit] value is missing"), "{e}");
}

#[test]
fn bad_layouts_are_refused_with_a_clear_message() {
    let cases = [
        (
            "name = \"x\"\ndescription = \"d\"\n[tenant]\ntable = \"t; drop table x\"\nid = \"id\"",
            "is not schema.table",
        ),
        (
            "name = \"x\"\ndescription = \"d\"\n[tenant]\ntable = \"t\"\nid = \"Id\"",
            "[tenant] id = \"Id\" is not a plain column name",
        ),
        ("name = \"x\"\ndescription = \"d\"\n[tenant]\ntable = \"t\"", "[tenant] id is missing"),
        (
            "name = \"x\"\ndescription = \"d\"\n[session]\ntable = \"s\"\nid = \"id\"\n[message]\ntable = \"m\"\nid = \"id\"\nparent = \"s\"\ncontent = \"c\"",
            "[message] order is missing",
        ),
        ("name = \"x\"\ndescription = \"d\"\n[session]\nderived_from = \"message\"", "no such entity here"),
        (
            "name = \"x\"\ndescription = \"d\"\nwrites = [\"chunk\"]\n[tenant]\ntable = \"t\"\nid = \"id\"",
            "writes names 'chunk', which this layout does not map",
        ),
        (
            "name = \"x\"\ndescription = \"d\"\n[demo]\ntable = \"d\"\nid = \"id\"\nparent = \"owner\"",
            "[demo] parent points at [tenant], which this layout does not map",
        ),
        (
            "name = \"x\"\ndescription = \"d\"\n[tenant]\ntable = \"t\"\nid = \"id\"\ncolour = \"x\"",
            "unknown field `colour`",
        ),
        (
            "name = \"x\"\ndescription = \"d\"\n[tenant]\ntable = \"t\"\nid = \"id\"\nroles = { a = \"user\" }",
            "[tenant] roles: only messages have roles",
        ),
        (
            "name = \"x\"\ndescription = \"d\"\n[message]\ntable = \"m\"\nid = \"id\"\ncontent = \"c\"\norder = [\"id\"]\n\
             roles = { student = \"pupil\" }",
            "[message] roles: student = \"pupil\" is not one of ours (user, assistant, system, tool)",
        ),
        (
            "name = \"x\"\ndescription = \"d\"\n[tenant]\ntable = \"t\"\nid = \"id\"\ncolumns = [\"plan\", \"Bad\"]",
            "[tenant] columns = \"Bad\" is not a plain column name",
        ),
        (
            "name = \"x\"\ndescription = \"d\"\n[tenant]\ntable = \"t\"\nid = \"id\"\ncolumns = [\"plan\", \"plan\"]",
            "[tenant] columns names \"plan\" twice",
        ),
        (
            "name = \"x\"\ndescription = \"d\"\n[tenant]\ntable = \"t\"\nid = \"id\"\ncolumns = [\"a\", \"b\", \"c\", \"d\", \"e\"]",
            "[tenant] columns, counts and sums name 5 columns; a list shows at most 4 beside its title",
        ),
        (
            "name = \"x\"\ndescription = \"d\"\n[session]\nderived_from = \"message\"\ncolumns = [\"a\"]\n\
             [message]\ntable = \"m\"\nid = \"id\"\nparent = \"s\"\ncontent = \"c\"\norder = [\"id\"]",
            "[session] columns is not for [session]: its rows are the distinct ids of another table",
        ),
        (
            "name = \"x\"\ndescription = \"d\"\nwrites = [\"session\"]\n[session]\ntable = \"s\"\nid = \"id\"",
            "writes names 'session', which ragdesk never writes (it writes rate_limit, knowledge_base, document, chunk)",
        ),
        (
            "name = \"x\"\ndescription = \"d\"\n[tenant]\ntable = \"t\"\nid = \"id\"\n[rate_limit]\ntable = \"q\"\n\
             key = \"k\"\nvalue = \"v\"\nkey_entity = \"tenant\"",
            "[rate_limit] key_entity = \"tenant\": [tenant] needs a table, an id and a title to name a limit by",
        ),
        (
            "name = \"x\"\ndescription = \"d\"\n[tenant]\ntable = \"t\"\nid = \"id\"\n\
             title_from = { entity = \"lead\", column = \"lead_id\" }",
            "[tenant] title_from entity = \"lead\": no such entity here with a table, an id and a title",
        ),
        (
            "name = \"x\"\ndescription = \"d\"\n[tenant]\ntable = \"t\"\nid = \"id\"\nkey_entity = \"tenant\"",
            "[tenant] key_entity is for [rate_limit] only",
        ),
        (
            "name = \"x\"\ndescription = \"d\"\n[message]\ntable = \"m\"\nid = \"id\"\ncontent = \"c\"\n\
             order = [\"id\"]\ncolumns = [\"mood\"]",
            "[message] columns is not for [message]: messages are read as a conversation",
        ),
        (
            "name = \"x\"\ndescription = \"d\"\n[tenant]\ntable = \"t\"\nid = \"id\"\ncounts = [\"lead\"]",
            "[tenant] counts names \"lead\": no such entity here",
        ),
        (
            "name = \"x\"\ndescription = \"d\"\n[tenant]\ntable = \"t\"\nid = \"id\"\ncounts = [\"message\"]\n\
             [message]\ntable = \"m\"\nid = \"id\"\ncontent = \"c\"\norder = [\"id\"]",
            "[tenant] counts names \"message\", whose rows are not rows of a table under [tenant]",
        ),
        (
            "name = \"x\"\ndescription = \"d\"\n[tenant]\ntable = \"t\"\nid = \"id\"\nsums = [\"message\"]",
            "[tenant] sums names \"message\": it takes \"entity.column\"",
        ),
        (
            "name = \"x\"\ndescription = \"d\"\n[tenant]\ntable = \"t\"\nid = \"id\"\nsums = [\"message.tokens\"]\n\
             [message]\ntable = \"m\"\nid = \"id\"\ncontent = \"c\"\norder = [\"id\"]",
            "[tenant] sums names \"message.tokens\": it takes \"entity.column\", a column of an entity whose rows are rows of a table under [tenant]",
        ),
        (
            "name = \"x\"\ndescription = \"d\"\n[tenant]\ntable = \"t\"\nid = \"id\"\n[session]\nderived_from = \"message\"\n\
             words = [\"w\"]\n[message]\ntable = \"m\"\nid = \"id\"\nparent = \"s\"\ncontent = \"c\"\norder = [\"id\"]",
            "[session] words is for rows of a table of their own",
        ),
        (
            "name = \"x\"\ndescription = \"d\"\n[tenant]\ntable = \"t\"\nid = \"id\"\ntitle_else = \"email\"",
            "[tenant] title_else goes with title",
        ),
        (
            "name = \"x\"\ndescription = \"d\"\n[tenant]\ntable = \"t\"\nid = \"id\"\n[demo]\ntable = \"d\"\nid = \"id\"\n\
             parent = \"t_id\"\nlisted_under = { lead = \"lead_id\" }",
            "[demo] listed_under lead = \"lead_id\": no such entity here with a table and an id",
        ),
        (
            "name = \"x\"\ndescription = \"d\"\n[tenant]\ntable = \"t\"\nid = \"id\"\n[demo]\ntable = \"d\"\nid = \"id\"\n\
             parent = \"t_id\"\nlisted_under = { tenant = \"t_id\" }",
            "[demo] listed_under tenant: that is its parent already",
        ),
    ];
    for (text, want) in cases {
        let e = parse(text, "x.toml").unwrap_err().to_string();
        assert!(e.contains(want), "{text}\n→ {e}");
    }
    assert!(matches!(load("nope"), Err(LayoutError::Unknown(_))));
}

#[test]
fn identifiers_are_quoted_for_sql() {
    assert_eq!(Table::parse("auth.users").quoted(), "\"auth\".\"users\"");
    assert_eq!(Table::parse("demos").quoted(), "\"public\".\"demos\"");
    assert_eq!(quote_ident("a\"b"), "\"a\"\"b\"");
}

#[test]
fn the_documented_example_layout_parses() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/layout.example.toml")).unwrap();
    let l = parse(&text, "layout.example.toml").unwrap();
    assert_eq!(l.label(Kind::Tenant), "Organisations");
    assert_eq!(l.parent_of(Kind::Document), Some(Kind::KnowledgeBase));
    assert_eq!(l.parent_of(Kind::Session), Some(Kind::Lead));
    assert_eq!(l.kinds().count(), Kind::ALL.len(), "every entity is shown");
    assert!(l.writes(Kind::RateLimit) && !l.writes(Kind::Chunk));
}

#[test]
fn a_json_array_entity_needs_its_path_and_plain_keys() {
    let base = load("limitless").unwrap();
    let mut l = base.clone();
    l.message.as_mut().unwrap().json_path = None;
    let e = l.check().unwrap_err().to_string();
    assert!(e.contains("[message] json_path is missing"), "{e}");
    let mut l = base.clone();
    l.message.as_mut().unwrap().content = Some("kwargs.content'); DROP TABLE x; --".into());
    let e = l.check().unwrap_err().to_string();
    assert!(e.contains("not a dotted path of plain keys"), "{e}");
    let mut l = base.clone();
    l.message.as_mut().unwrap().json_array = None;
    l.message.as_mut().unwrap().id = Some("thread_id".into());
    // Without json_array, paths are read as columns, and refused as such.
    let e = l.check().unwrap_err().to_string();
    assert!(e.contains("role = \"kwargs.type\" is not a plain column name"), "{e}");
    // Against a catalog: the array's column must be jsonb.
    let mut c = catalog_of(&base);
    assert!(fit(&base, &c).full());
    c.tables.get_mut(&Table::parse("public.checkpoints")).unwrap().insert("checkpoint".into(), Column::of("text"));
    let f = fit(&base, &c);
    assert!(f.missing.iter().any(|m| m.contains("checkpoint is text, not jsonb")), "{:?}", f.missing);
}

#[test]
fn a_rate_limit_is_its_key_alone() {
    for (field, value) in
        [("id", "id"), ("parent", "customer_id"), ("status", "state"), ("title", "name"), ("order", "domain")]
    {
        let mut l = load("omni").unwrap();
        let e = l.rate_limit.as_mut().unwrap();
        match field {
            "id" => e.id = Some(value.into()),
            "parent" => {
                e.parent = Some(value.into());
                e.parent_entity = Some("tenant".into());
            }
            "status" => e.status = Some(value.into()),
            "order" => e.order = vec![value.into()],
            _ => e.title = Some(value.into()),
        }
        let err = l.check().unwrap_err().to_string();
        assert!(err.contains(&format!("[rate_limit] {field} is not for rate limits")), "{err}");
    }
    let mut l = load("limitless").unwrap();
    l.message.as_mut().unwrap().derived_from = Some("session".into());
    let err = l.check().unwrap_err().to_string();
    assert!(err.contains("both table and derived_from") || err.contains("json_array needs a table"), "{err}");
}

#[test]
fn a_labels_singular_is_read_from_its_ending_unless_the_layout_says() {
    let cases = [
        ("Widgets", "Widget"),
        ("Memories", "Memory"),
        ("Businesses", "Business"),
        ("Knowledge", "Knowledge"),
        ("Rate limits", "Rate limit"),
        ("Knowledge bases", "Knowledge base"),
        ("Status", "Status"),
        ("Boxes", "Box"),
        ("Movies", "Movie"),
        ("Series", "Series"),
        ("Caches", "Cache"),
        ("Batches", "Batch"),
        ("Sizes", "Size"),
        ("Statuses", "Status"),
        ("Cases", "Case"),
        ("Addresses", "Address"),
    ];
    for (plural, one) in cases {
        assert_eq!(singular(plural), one, "{plural}");
    }
    let mut omni = load("omni").unwrap();
    assert_eq!(omni.one(Kind::Demo), "Widget");
    omni.demo.as_mut().unwrap().one = Some("Site widget".into());
    assert_eq!(omni.one(Kind::Demo), "Site widget");
}

#[test]
fn a_dimension_column_goes_with_vectors_and_holds_integers() {
    let mut l = load("native").unwrap();
    l.memory = Some(Entity {
        table: Some("public.notes".into()),
        id: Some("id".into()),
        parent: Some("tenant_id".into()),
        content: Some("note".into()),
        dimension: Some("dim".into()),
        order: vec!["id".into()],
        ..Default::default()
    });
    let e = l.check().unwrap_err().to_string();
    assert!(e.contains("[memory] dimension goes with embedding"), "{e}");
    // Ours, on a catalog whose chunks.embedding_dim is text: said by name.
    let native = load("native").unwrap();
    let mut catalog = catalog_of(&native);
    let chunks = Table::parse("public.chunks");
    catalog.tables.get_mut(&chunks).unwrap().insert("embedding_dim".into(), Column::of("text"));
    let fit = fit(&native, &catalog);
    assert_eq!(
        fit.missing,
        ["column public.chunks.embedding_dim is text, not an integer (named by [chunk] dimension)"],
        "{fit:?}"
    );
}
