//! The built-in model: deterministic, no network, no key. In the spec chat
//! it asks a few questions about the idea, then writes a complete spec from
//! the answers; asked to refine a spec, it fills the gaps a reviewer would
//! point out. Replies stream token by token through the same path as a
//! real model's, stop at `max_tokens`, and can be continued.

use std::collections::VecDeque;
use std::time::Duration;

use app::model::spec_block::{split_reply, SPEC_CLOSE, SPEC_OPEN};
use app::model::spec_outline::{FeatureIdea, SpecOutline};

use super::continuation::CONTINUE_PROMPT;
use super::prompts::{SPEC_CHAT_HEADING, SPEC_REFINEMENT_HEADING};
use super::{
    CompletionRequest, EventStream, LlmProvider, Message, ProviderError, ProviderInfo, ProviderKind, Role,
    StopReason, StreamEvent, Usage,
};

pub const OFFLINE_MODEL: &str = "offline-spec-writer";

pub struct OfflineProvider {
    token_delay: Duration,
}

impl OfflineProvider {
    pub fn new(token_delay: Duration) -> Self {
        Self { token_delay }
    }
}

#[async_trait::async_trait]
impl LlmProvider for OfflineProvider {
    fn describe(&self) -> ProviderInfo {
        ProviderInfo { kind: ProviderKind::Offline, model: OFFLINE_MODEL.into() }
    }

    async fn stream(&self, request: CompletionRequest) -> Result<EventStream, ProviderError> {
        let reply = reply_to(&request);
        let mut tokens: VecDeque<String> = reply.split_inclusive(' ').map(str::to_owned).collect();
        let input_tokens = estimate_tokens(&request);
        let limit = request.max_tokens.max(1) as usize;
        let stop_reason = if tokens.len() > limit {
            tokens.truncate(limit);
            StopReason::MaxTokens
        } else {
            StopReason::EndTurn
        };
        let output_tokens = tokens.len() as u64;

        let mut events: VecDeque<StreamEvent> = VecDeque::new();
        events.push_back(StreamEvent::Started { model: OFFLINE_MODEL.into() });
        events.extend(tokens.into_iter().map(StreamEvent::TextDelta));
        events.push_back(StreamEvent::Usage(Usage { input_tokens, output_tokens }));
        events.push_back(StreamEvent::Finished(stop_reason));

        let delay = self.token_delay;
        Ok(Box::pin(futures_util::stream::unfold(events, move |mut events| async move {
            let event = events.pop_front()?;
            if matches!(event, StreamEvent::TextDelta(_)) && !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            Some((Ok(event), events))
        })))
    }
}

fn estimate_tokens(request: &CompletionRequest) -> u64 {
    let chars =
        request.system.len() + request.messages.iter().map(|message| message.text().len()).sum::<usize>();
    (chars / 4) as u64
}

/// The whole reply the offline model gives to `request`.
pub fn reply_to(request: &CompletionRequest) -> String {
    // A continuation: write the reply to the conversation before the cut,
    // and send what the partial reply has not said yet.
    if let [earlier @ .., partial, ask] = request.messages.as_slice() {
        if partial.role == Role::Assistant && ask.role == Role::User && ask.text() == CONTINUE_PROMPT {
            let whole = reply_to(&CompletionRequest { messages: earlier.to_vec(), ..request.clone() });
            let written = partial.text();
            return whole.strip_prefix(written.as_str()).unwrap_or_default().to_owned();
        }
    }
    let said: Vec<String> =
        request.messages.iter().filter(|message| message.role == Role::User).map(Message::text).collect();
    if request.system.starts_with(SPEC_REFINEMENT_HEADING) {
        let draft = said.last().map(String::as_str).unwrap_or_default();
        return format!("{SPEC_OPEN}\n{}\n{SPEC_CLOSE}\n", refine(draft));
    }
    if request.system.starts_with(SPEC_CHAT_HEADING) {
        return spec_chat_reply(&said);
    }
    "I am the built-in offline model. I can help you write an app specification in the chat, \
     or refine one from the wizard; for anything else, configure a real model provider."
        .into()
}

fn spec_chat_reply(said: &[String]) -> String {
    let Some(idea) = said.first() else {
        return "Tell me about the app you have in mind.".into();
    };
    if said.len() == 1 && !wants_spec_now(idea) {
        return QUESTIONS.into();
    }
    let outline = outline_from(idea, &said[1..]);
    format!(
        "Here is the specification for **{}**, built from what you told me.\n\n{SPEC_OPEN}\n{}\n{SPEC_CLOSE}\n\n\
         Save it as a spec from the preview, or tell me what to change and I will write it again.",
        outline.name,
        outline.to_markdown().trim_end()
    )
}

const QUESTIONS: &str = "Thanks, that sounds like a useful app. A few questions so the spec fits what you \
have in mind:\n\n\
1. **Who will use it?** Describe the people and what they are trying to get done.\n\
2. **What must they be able to do?** List the three to five core features.\n\
3. **What does it keep, and which pages do you picture?** The main data and screens.\n\
4. **Any preferences?** Tech stack, sign-in, how it is deployed, how thorough the tests should be.\n\n\
Answer in a numbered list, or say \"write the spec\" and I will fill the gaps with sensible defaults.";

fn wants_spec_now(text: &str) -> bool {
    let text = text.to_lowercase();
    text.len() > 600
        || ["write the spec", "just write", "go ahead", "skip the questions"]
            .iter()
            .any(|ask| text.contains(ask))
}

/// Reads the answers to [`QUESTIONS`]: numbered items in the order asked,
/// or else each answer as a list of features. Later messages add features.
fn outline_from(idea: &str, answers: &[String]) -> SpecOutline {
    let mut outline =
        SpecOutline { name: name_from(idea), pitch: first_sentence(idea), ..SpecOutline::default() };
    let Some((first, later)) = answers.split_first() else {
        outline.features = default_features(&outline.pitch);
        return outline;
    };
    let numbered = numbered_items(first);
    if numbered.is_empty() {
        if !wants_spec_now(first) {
            outline.features.extend(list_items(first).into_iter().map(feature));
        }
    } else {
        for (number, answer) in numbered {
            match number {
                1 => outline.target_users = sentence(&answer),
                2 => outline.features.extend(list_items(&answer).into_iter().map(feature)),
                3 => {
                    let (data, pages) = split_data_and_pages(&answer);
                    outline.data = data;
                    outline.pages = pages;
                }
                4 => {
                    let lower = answer.to_lowercase();
                    outline.stack = sentence(&answer);
                    outline.quality.needs_auth =
                        !["no auth", "no sign", "without sign", "no login", "without login"]
                            .iter()
                            .any(|no| lower.contains(no));
                    if lower.contains("docker") {
                        outline.quality.deployment = "A Docker image, run with docker compose.".into();
                    }
                }
                _ => outline.features.extend(list_items(&answer).into_iter().map(feature)),
            }
        }
    }
    for change in later {
        if !wants_spec_now(change) {
            outline.features.extend(list_items(change).into_iter().map(feature));
        }
    }
    if outline.features.is_empty() {
        outline.features = default_features(&outline.pitch);
    }
    outline
}

fn numbered_items(text: &str) -> Vec<(u32, String)> {
    let mut items: Vec<(u32, String)> = Vec::new();
    for line in text.lines() {
        let trimmed = line.trim();
        let digits: String = trimmed.chars().take_while(char::is_ascii_digit).collect();
        let rest = &trimmed[digits.len()..];
        match (digits.parse::<u32>(), rest.chars().next()) {
            (Ok(number), Some('.' | ')' | ':')) => items.push((number, rest[1..].trim().to_owned())),
            _ => {
                if let Some((_, answer)) = items.last_mut() {
                    if !trimmed.is_empty() {
                        answer.push('\n');
                        answer.push_str(trimmed);
                    }
                }
            }
        }
    }
    items
}

/// Items of a list written as lines, bullets, semicolons or commas.
fn list_items(text: &str) -> Vec<String> {
    let text = strip_markdown_emphasis(text);
    let lines: Vec<&str> = text
        .lines()
        .map(|line| line.trim().trim_start_matches(['-', '*', '•']).trim())
        .filter(|l| !l.is_empty())
        .collect();
    let pieces: Vec<String> = if lines.len() > 1 {
        lines.into_iter().map(str::to_owned).collect()
    } else {
        text.split([';', ',', '\n']).map(|piece| piece.trim().trim_start_matches("and ").to_owned()).collect()
    };
    pieces
        .into_iter()
        .map(|piece| piece.trim().trim_end_matches('.').trim().to_owned())
        .filter(|piece| piece.chars().filter(|c| c.is_alphanumeric()).count() >= 3)
        .collect()
}

fn strip_markdown_emphasis(text: &str) -> String {
    text.replace("**", "").replace('`', "")
}

fn feature(item: String) -> FeatureIdea {
    let title: String = capitalise(&item).chars().take(80).collect();
    FeatureIdea { detail: format!("Users can {}.", lowercase_first(&item)), title }
}

fn default_features(pitch: &str) -> Vec<FeatureIdea> {
    vec![
        FeatureIdea {
            title: "The core workflow".into(),
            detail: format!("The main thing the app is for: {}", lowercase_first(pitch)),
        },
        FeatureIdea {
            title: "Browse and search".into(),
            detail: "Users see their items in a list, search them and open one to see its details.".into(),
        },
        FeatureIdea {
            title: "Edit and delete".into(),
            detail: "Users change or remove what they created, with a confirmation before anything is lost."
                .into(),
        },
    ]
}

fn split_data_and_pages(answer: &str) -> (String, String) {
    match find_ascii_case_insensitive(answer, "pages") {
        Some(at) if at > 0 => {
            let cut = answer[..at].rfind(['.', ';', '\n']).map_or(at, |dot| dot + 1);
            (sentence(&answer[..cut]), sentence(&answer[cut..]))
        }
        _ => (sentence(answer), String::new()),
    }
}

const LEADING_WORDS: [&str; 14] = [
    "i want to build ",
    "i want ",
    "i'd like ",
    "i would like ",
    "i need ",
    "build me ",
    "build ",
    "create ",
    "make ",
    "an app for ",
    "an app that ",
    "a ",
    "an ",
    "the ",
];

/// A short name from the idea: `called X`/`named X` when given, else the
/// first noun phrase of its first sentence (not of a request that follows,
/// such as "Just write the spec.").
fn name_from(idea: &str) -> String {
    for marker in ["called ", "named "] {
        if let Some(at) = find_ascii_case_insensitive(idea, marker) {
            let rest = &idea[at + marker.len()..];
            let name: String = rest
                .trim_start_matches(['"', '\'', '“'])
                .chars()
                .take_while(|c| !matches!(c, '"' | '\'' | '”' | '.' | ',' | '\n' | ':' | ';'))
                .collect();
            let name = leading_words(&name, 6);
            if !name.is_empty() {
                return name;
            }
        }
    }
    let idea = idea.trim();
    let mut phrase = idea[..idea.find(['.', '!', '?', '\n']).unwrap_or(idea.len())].to_owned();
    loop {
        let leading = LEADING_WORDS
            .iter()
            .find(|word| phrase.get(..word.len()).is_some_and(|start| start.eq_ignore_ascii_case(word)));
        match leading {
            Some(word) => phrase = phrase[word.len()..].to_owned(),
            None => break,
        }
    }
    let name = leading_words(&phrase, 4)
        .split(' ')
        .map(|word| capitalise(word.trim_matches(|c: char| !c.is_alphanumeric())))
        .collect::<Vec<_>>()
        .join(" ");
    if name.trim().is_empty() {
        "Untitled app".into()
    } else {
        name.trim().to_owned()
    }
}

/// The byte offset of `needle` (ASCII) in `haystack`, ignoring ASCII case;
/// always a character boundary, unlike offsets found in a lower-cased copy.
fn find_ascii_case_insensitive(haystack: &str, needle: &str) -> Option<usize> {
    haystack
        .as_bytes()
        .windows(needle.len())
        .position(|window| window.eq_ignore_ascii_case(needle.as_bytes()))
}

/// Up to `limit` words, stopping at the first word that starts a clause.
fn leading_words(text: &str, limit: usize) -> String {
    text.split_whitespace()
        .take_while(|word| !CLAUSE_WORDS.contains(&word.to_lowercase().as_str()))
        .take(limit)
        .collect::<Vec<_>>()
        .join(" ")
}

const CLAUSE_WORDS: [&str; 8] = ["for", "that", "to", "with", "where", "which", "who", "and"];

fn first_sentence(text: &str) -> String {
    let text = text.trim();
    let end = text.find(['.', '!', '?', '\n']).map_or(text.len(), |at| at + 1);
    sentence(&text[..end])
}

/// Capitalised, ending with a full stop.
fn sentence(text: &str) -> String {
    let text = strip_markdown_emphasis(text.trim());
    if text.is_empty() {
        return text;
    }
    let mut sentence = capitalise(&text);
    if !sentence.ends_with(['.', '!', '?']) {
        sentence.push('.');
    }
    sentence
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first)
            if !text.starts_with(|c: char| {
                c.is_uppercase() && text.chars().nth(1).is_some_and(char::is_uppercase)
            }) =>
        {
            first.to_lowercase().chain(chars).collect()
        }
        Some(_) => text.to_owned(),
        None => String::new(),
    }
}

/// Sections a reviewer expects, the words that show each is there, and
/// what to add when it is not.
const EXPECTED_SECTIONS: [(&str, &[&str], &str); 5] = [
    ("Target users", &["user", "audience", "persona"], "- Who uses the app and what they are trying to get done is to be confirmed; assume a single kind of signed-in user."),
    ("Data model", &["data", "model", "entit", "schema"], "- Every record has an id, an owner, a created time and an updated time.\n- Deleting a record asks for confirmation first."),
    ("Technology stack", &["stack", "technolog", "framework"], "- The builder chooses a mainstream, well-documented stack and explains the choice in the README."),
    ("Quality bar", &["test", "quality"], "- Every feature has automated tests of what a user can see.\n- Errors are shown in plain words, never as stack traces."),
    ("Out of scope", &["out of scope", "non-goal"], "- Anything not listed above, to keep the first version small."),
];

/// The offline reviewer: keeps the draft as written and adds the sections
/// and checks it lacks.
fn refine(draft: &str) -> String {
    let draft = split_reply(draft).spec.map_or(draft, |spec| spec.content).trim();
    let mut refined = String::new();
    if !draft.starts_with("# ") {
        refined.push_str("# Untitled app\n\n");
    }
    refined.push_str(draft);
    let headings: Vec<String> = draft
        .lines()
        .filter(|line| line.trim_start().starts_with('#'))
        .map(|line| line.to_lowercase())
        .collect();
    for (title, words, default) in EXPECTED_SECTIONS {
        if !headings.iter().any(|heading| words.iter().any(|word| heading.contains(word))) {
            refined.push_str(&format!("\n\n## {title}\n\n{default}"));
        }
    }
    if !draft.to_lowercase().contains("non-functional") {
        refined.push_str(
            "\n\n## Non-functional requirements\n\n\
             - **Accessibility**: every control is reachable by keyboard and labelled for screen readers.\n\
             - **Performance**: pages show their content within a second on typical data.\n\
             - **Security**: input is validated on the server; users only ever see their own data.\n\
             - **Reliability**: nothing a user typed is lost when a request fails; they can try again.",
        );
    }
    if !draft.to_lowercase().contains("definition of done") {
        refined.push_str(
            "\n\n## Definition of done\n\n\
             - Every feature above works end to end and its acceptance criteria pass as automated tests.\n\
             - The README says how to run the app and its tests from a clean checkout.",
        );
    }
    refined.push('\n');
    refined
}

#[cfg(test)]
mod tests {
    use futures_util::StreamExt;

    use super::super::{collect_reply, prompts};
    use super::*;

    fn chat(said: &[&str], max_tokens: u32) -> CompletionRequest {
        let mut messages = Vec::new();
        for (index, text) in said.iter().enumerate() {
            messages.push(if index % 2 == 0 { Message::user(*text) } else { Message::assistant(*text) });
        }
        CompletionRequest { system: prompts::spec_chat(), messages, tools: Vec::new(), max_tokens }
    }

    #[test]
    fn asks_questions_about_a_short_idea_first() {
        let reply = reply_to(&chat(&["A recipe box for families to share weekly meal plans."], 32_000));
        assert!(reply.contains("Who will use it?"), "{reply}");
        assert!(split_reply(&reply).spec.is_none());
    }

    #[test]
    fn writes_a_spec_from_the_numbered_answers() {
        let reply = reply_to(&chat(
            &[
                "A recipe box called Family Table for families to share weekly meal plans.",
                QUESTIONS,
                "1. Parents planning dinners\n2. save recipes, plan the week, build a shopping list\n3. Recipes and plans. Pages: week view, recipe page\n4. Rust and Postgres, in docker",
            ],
            32_000,
        ));
        let spec = split_reply(&reply).spec.expect("a spec block").content;
        assert!(spec.starts_with("# Family Table"), "{spec}");
        for expected in [
            "Parents planning dinners",
            "Save recipes",
            "Plan the week",
            "Build a shopping list",
            "Rust and Postgres",
        ] {
            assert!(spec.contains(expected), "missing {expected:?} in\n{spec}");
        }
    }

    #[test]
    fn derives_a_name_from_the_idea() {
        assert_eq!(name_from("I want a recipe box for families"), "Recipe Box");
        assert_eq!(name_from("Build a tool named Ledger, for my shop"), "Ledger");
        assert_eq!(name_from("A todo app. Just write the spec."), "Todo App");
    }

    #[test]
    fn refining_keeps_the_draft_and_adds_what_is_missing() {
        let draft = "# Notes\n\n## Core features\n\n1. Write notes\n\n## Target users\n\nStudents.";
        let refined = refine(draft);
        assert!(refined.starts_with(draft));
        assert!(refined.contains("## Data model"));
        assert!(refined.contains("## Non-functional requirements"));
        assert!(!refined.contains("## Target users\n\n- Who uses"), "present sections are not added twice");
    }

    #[tokio::test]
    async fn a_reply_cut_at_max_tokens_continues_where_it_stopped() {
        let provider = OfflineProvider::new(Duration::ZERO);
        let said = ["Write the spec for a tiny habit tracker, go ahead."];
        let whole = reply_to(&chat(&said, 32_000));

        let first = collect_reply(provider.stream(chat(&said, 20)).await.unwrap()).await.unwrap();
        assert_eq!(first.stop_reason, Some(StopReason::MaxTokens));
        assert!(whole.starts_with(&first.text) && first.text.len() < whole.len());

        let mut request = chat(&said, 32_000);
        request.messages.push(Message::assistant(first.text.clone()));
        request.messages.push(Message::user(CONTINUE_PROMPT));
        let rest = collect_reply(provider.stream(request).await.unwrap()).await.unwrap();
        assert_eq!(format!("{}{}", first.text, rest.text), whole);
    }

    #[tokio::test]
    async fn streams_token_by_token() {
        let provider = OfflineProvider::new(Duration::ZERO);
        let events: Vec<_> = provider.stream(chat(&["A todo list."], 32_000)).await.unwrap().collect().await;
        let deltas = events.iter().filter(|event| matches!(event, Ok(StreamEvent::TextDelta(_)))).count();
        assert!(deltas > 20, "{deltas} deltas");
        assert!(matches!(events.first(), Some(Ok(StreamEvent::Started { .. }))));
        assert_eq!(events.last(), Some(&Ok(StreamEvent::Finished(StopReason::EndTurn))));
    }
}
