//! The `trustplan` command: serve the API, run migrations, mint tokens,
//! create service accounts, print the OpenAPI document.

use std::process::ExitCode;

use actix_web::web;
use clap::{Parser, Subcommand};
use trustplan::config::Config;
use trustplan::resources::service_accounts::{create_account, NewServiceAccount};
use trustplan::web::auth::{JwtKeys, Role};
use trustplan::web::http::Actor;
use trustplan::{demo, store, AppState};

#[derive(Parser)]
#[command(
    name = "trustplan",
    version,
    about = "Plans and performance API of a Children's Trust"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create the database if needed, run migrations and serve the API.
    Serve {
        /// Also load the demo data set and print a token to try the API with.
        #[arg(long)]
        demo: bool,
    },
    /// Create the database if needed and run pending migrations.
    Migrate,
    /// Mint a token with the configured key.
    Token {
        /// The subject (who the token is for).
        #[arg(long)]
        sub: String,
        /// viewer, contributor, editor or admin.
        #[arg(long)]
        role: String,
        /// The organisation code, e.g. HBC.
        #[arg(long)]
        org: String,
        /// Lifetime, e.g. 900s, 30m, 1h, 7d.
        #[arg(long, default_value = "1h")]
        ttl: String,
        /// A display name.
        #[arg(long)]
        name: Option<String>,
    },
    /// Manage service accounts.
    ServiceAccount {
        #[command(subcommand)]
        command: ServiceAccountCommand,
    },
    /// Print the OpenAPI document.
    Openapi,
}

#[derive(Subcommand)]
enum ServiceAccountCommand {
    /// Create one and print its client id and secret (shown once).
    Create {
        #[arg(long)]
        name: String,
        #[arg(long)]
        role: String,
        /// The organisation code, e.g. PCT.
        #[arg(long)]
        org: String,
    },
}

/// Parses `900`, `900s`, `30m`, `1h`, `7d`.
fn parse_ttl(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let (num, unit) = match s.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => (&s[..i], &s[i..]),
        None => (s, "s"),
    };
    let n: u64 = num.parse().map_err(|_| format!("bad duration {s:?}"))?;
    let mult = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86400,
        _ => return Err(format!("bad duration unit in {s:?}: use s, m, h or d")),
    };
    Ok(n * mult)
}

fn parse_role(s: &str) -> Result<Role, String> {
    Role::parse(s).ok_or_else(|| format!("role must be one of {}", Role::NAMES.join(", ")))
}

async fn prepare_database(config: &Config) -> Result<(), String> {
    store::prepare(
        &config.database_owner_url,
        &config.database_url,
        store::SessionSettings {
            statement_timeout: config.statement_timeout,
            lock_timeout: config.lock_timeout,
        },
    )
    .await
}

async fn serve(demo_mode: bool) -> Result<(), String> {
    let config = Config::from_env(demo_mode).map_err(|e| e.to_string())?;
    prepare_database(&config).await?;
    let state = AppState::new(config.clone())?;
    if demo_mode {
        let mut conn = state.conn().await.map_err(|e| e.to_string())?;
        let report = demo::load(&mut conn)
            .await
            .map_err(|e| format!("demo data: {e}"))?;
        if report.is_empty() {
            println!("The demo data is already in this database: nothing was added.");
        } else {
            log::info!("demo data loaded: {report:?}");
        }
        let token = state.jwt.mint(
            "demo-admin",
            Role::Admin,
            "HBC",
            Some("Demo admin"),
            12 * 3600,
        )?;
        println!(
            "trustplan is serving the demo data on {}",
            config.public_url
        );
        println!("  docs:    {}/docs", config.public_url);
        println!("  spec:    {}/api/v1/openapi.json", config.public_url);
        println!("  admin token (12 h):\n{token}");
        println!(
            "  try:     curl -H \"Authorization: Bearer $TOKEN\" {}/api/v1/organisations",
            config.public_url
        );
    }
    let state = web::Data::new(state);
    // Stopped (dropped) when serving ends.
    let _deliveries = config
        .webhooks
        .worker
        .then(|| trustplan::webhooks::spawn(state.clone()));
    log::info!("listening on {}", config.bind_addr);
    // SIGTERM: stop accepting, let in-flight requests finish within the
    // grace; the pool's connections live on their own runtime meanwhile.
    trustplan::web::server::serve(state, &config.bind_addr, config.shutdown_grace)
        .await
        .map_err(|e| format!("cannot serve on {}: {e}", config.bind_addr))
}

async fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::Serve { demo } => serve(demo).await,
        Command::Migrate => {
            let config = Config::from_env(true).map_err(|e| e.to_string())?;
            prepare_database(&config).await
        }
        Command::Token {
            sub,
            role,
            org,
            ttl,
            name,
        } => {
            // The same fallback as `serve --demo`, so that a token made without
            // JWT_SECRET works against a demo server started without it.
            let config = Config::from_env(true).map_err(|e| e.to_string())?;
            let keys = JwtKeys::from_config(&config.jwt)?;
            let token = keys.mint(
                &sub,
                parse_role(&role)?,
                &org,
                name.as_deref(),
                parse_ttl(&ttl)?,
            )?;
            println!("{token}");
            Ok(())
        }
        Command::ServiceAccount {
            command: ServiceAccountCommand::Create { name, role, org },
        } => {
            let config = Config::from_env(true).map_err(|e| e.to_string())?;
            prepare_database(&config).await?;
            let state = AppState::new(config)?;
            let mut conn = state.conn().await.map_err(|e| e.to_string())?;
            let org_row =
                store::organisations::find_by_codes(&mut conn, std::slice::from_ref(&org))
                    .await
                    .map_err(|e| e.to_string())?
                    .pop()
                    .ok_or_else(|| format!("no organisation with code {org:?}"))?;
            let created = create_account(
                &mut conn,
                &Actor::system("cli"),
                NewServiceAccount {
                    name,
                    role: parse_role(&role)?,
                    organisation_id: org_row.id,
                },
            )
            .await
            .map_err(|e| format!("{e}: {:?}", e.body().errors))?;
            println!("client_id:     {}", created.account.client_id);
            println!("client_secret: {}", created.client_secret);
            println!("(the secret is shown only now; it is stored hashed)");
            Ok(())
        }
        Command::Openapi => {
            use std::io::Write;
            // A closed pipe (`trustplan openapi | head`) is not an error worth a panic.
            let _ = write!(std::io::stdout(), "{}", trustplan::openapi_json_text());
            Ok(())
        }
    }
}

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let cli = Cli::parse();
    let result = actix_web::rt::System::new().block_on(run(cli));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("trustplan: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::parse_ttl;

    #[test]
    fn ttl_units() {
        assert_eq!(parse_ttl("900"), Ok(900));
        assert_eq!(parse_ttl("30m"), Ok(1800));
        assert_eq!(parse_ttl("1h"), Ok(3600));
        assert_eq!(parse_ttl("2d"), Ok(172800));
        assert!(parse_ttl("1y").is_err());
        assert!(parse_ttl("h").is_err());
    }
}
