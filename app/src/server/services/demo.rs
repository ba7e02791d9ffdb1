//! "Create a demo bot": a bot filled with realistic contacts and conversations in every state,
//! teams, seat holders and seatless members (with passwords shown once), so a newcomer can see
//! a living Inbox and log in as each role. Everything goes through the same services a real
//! bot uses, so the demo behaves exactly like one.
use super::{bots, channels, inbox, intake, team, teams};
use crate::domain::ids::ConversationId;
use crate::domain::inbox::{DemoBot, DemoLogin};
use crate::domain::{AppError, BotId, Role, UserId};
use crate::server::db::{Db, now_ms};
use crate::server::live::Hub;
use crate::server::secrets;
use crate::server::{password, repo};

struct Person {
    name: &'static str,
    role: Role,
    seat: bool,
}

const TEAMMATES: [Person; 4] = [
    Person { name: "Mona Agent", role: Role::Agent, seat: true },
    Person { name: "Sam Seatless", role: Role::Agent, seat: false },
    Person { name: "Vera Viewer", role: Role::Viewer, seat: false },
    Person { name: "Sue Supervisor", role: Role::Supervisor, seat: false },
];

/// (contact, customer says, hand over?, then)
enum Then {
    Nothing,
    Reply(&'static str),
    ReplyAndClose(&'static str),
    Note(&'static str),
    AssignMona,
    TeamBilling,
    Ban,
}

const CONVERSATIONS: [(&str, &str, bool, Then); 11] = [
    ("Carla Gómez", "Hi! My order #4411 hasn't arrived yet, can someone check?", true, Then::AssignMona),
    ("Ben Okafor", "I was charged twice for my subscription this month.", true, Then::TeamBilling),
    ("Priya Nair", "Do you ship to Canada?", false, Then::Nothing),
    (
        "Tom Becker",
        "The size chart says 42 is a 9 but it fits like an 8.",
        true,
        Then::Reply("Sorry about that, Tom — I can send a 9 today at no cost."),
    ),
    (
        "Aiko Tanaka",
        "Can I change the delivery address on my order?",
        true,
        Then::ReplyAndClose("Done! It now goes to your office address."),
    ),
    (
        "Lucas Martin",
        "Where can I find the return label?",
        true,
        Then::Note("Returns portal is down — send the PDF by hand."),
    ),
    ("Fatima Zahra", "Is the blue model back in stock?", false, Then::Nothing),
    ("Noah Smith", "I'd like to talk to a person about a refund.", true, Then::Nothing),
    ("Spam Bot 3000", "BUY CHEAP FOLLOWERS NOW!!! www.example.invalid", false, Then::Ban),
    (
        "Olivia Rossi",
        "Thanks for the quick help yesterday!",
        true,
        Then::ReplyAndClose("Always happy to help, Olivia!"),
    ),
    // A returning customer: her closed conversation shows under "Past conversations".
    ("Olivia Rossi", "Me again! Do you offer gift wrapping?", true, Then::Nothing),
];

/// Creates the demo bot for `creator` (its Owner, with a seat).
pub async fn create_demo_bot(db: &Db, hub: &Hub, creator: UserId) -> Result<DemoBot, AppError> {
    let bot = bots::create_bot(db, creator, "Acme Shoes (demo)").await?;
    // Room for the seats below: the demo pretends the bot bought two (no charge is made).
    repo::billing::add_paid_seats(db.pool(), bot, 2).await?;
    let tag = secrets::random_hex(3);
    let mut logins = Vec::new();
    let mut mona = None;
    for person in &TEAMMATES {
        let first = person.name.split(' ').next().unwrap_or("user").to_lowercase();
        let email = format!("{first}.{tag}@demo.switchboard.test");
        let pass = format!("demo-{}", secrets::random_hex(6));
        let hash = password::hash(crate::domain::input::NewPassword::parse(&pass)?).await?;
        let user = repo::insert_user(db.pool(), &email, person.name, &hash, now_ms())
            .await?
            .ok_or_else(|| AppError::Conflict("Could not create the demo accounts; try again.".into()))?;
        let member = repo::insert_member(db.pool(), bot, user, person.role, false, now_ms()).await?;
        if person.seat {
            team::set_seat(db, creator, bot, member, true).await?;
        }
        if person.name.starts_with("Mona") {
            mona = Some(member);
        }
        logins.push(DemoLogin {
            name: person.name.to_string(),
            role: person.role,
            has_seat: person.seat,
            email,
            password: pass,
        });
    }
    let billing = teams::create_team(db, creator, bot, "Billing").await?;
    teams::create_team(db, creator, bot, "Shipping").await?;
    if let Some(mona) = mona {
        teams::set_team_member(db, creator, bot, billing, mona, true).await?;
    }
    fill_conversations(db, hub, creator, bot, mona, billing).await?;
    // And one from the website chat.
    let widget = channels::ensure_widget(db, bot).await?;
    let visitor = intake::widget_start(db, &widget.public_id, Some("Emma Website"), Some("emma@example.com")).await?;
    intake::widget_send(
        db,
        hub,
        &widget.public_id,
        &visitor.token,
        "Hello from your website! Is anyone there?",
        &secrets::random_hex(12),
        true,
    )
    .await?;
    Ok(DemoBot { bot_id: bot, logins })
}

async fn fill_conversations(
    db: &Db,
    hub: &Hub,
    owner: UserId,
    bot: BotId,
    mona: Option<crate::domain::MemberId>,
    billing: crate::domain::ids::TeamId,
) -> Result<(), AppError> {
    let api =
        channels::create_api_channel(db, owner, bot, "WhatsApp (demo)", "http://127.0.0.1:9/demo-replies").await?;
    for (n, (contact, text, handover, then)) in CONVERSATIONS.iter().enumerate() {
        let body = serde_json::json!({
            "message_id": format!("demo-{n}"),
            // One id per person: the same name is the same customer (Olivia comes back).
            "contact": {"id": format!("demo-{}", contact.to_lowercase().replace(' ', "-")), "name": contact},
            "text": text,
            "handover": handover,
        });
        let raw = serde_json::to_vec(&body).map_err(|_| AppError::Internal)?;
        let ts = now_ms() / 1000;
        let sig = secrets::sign_webhook(&api.secret, ts, &raw);
        let receipt = intake::ingest_webhook(
            db,
            hub,
            None,
            None,
            &api.channel.public_id,
            Some(&ts.to_string()),
            Some(&sig),
            &raw,
        )
        .await?;
        let conversation = ConversationId(receipt.conversation_id);
        let key = || secrets::random_hex(12);
        match then {
            Then::Nothing => {}
            Then::Reply(reply) => {
                inbox::compose(db, hub, owner, bot, conversation, inbox::Compose::Reply, reply, &key()).await?;
            }
            Then::ReplyAndClose(reply) => {
                inbox::compose(db, hub, owner, bot, conversation, inbox::Compose::Reply, reply, &key()).await?;
                inbox::set_closed(db, hub, owner, bot, conversation, true).await?;
            }
            Then::Note(note) => {
                inbox::compose(db, hub, owner, bot, conversation, inbox::Compose::Note, note, &key()).await?;
            }
            Then::AssignMona => {
                inbox::assign_member(db, hub, owner, bot, conversation, mona).await?;
            }
            Then::TeamBilling => {
                inbox::assign_team(db, hub, owner, bot, conversation, Some(billing)).await?;
            }
            Then::Ban => {
                inbox::set_banned(db, hub, owner, bot, conversation, true).await?;
            }
        }
    }
    Ok(())
}
