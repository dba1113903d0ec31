/**
 * The HTTP request each kind of target expects, as each service documents it. Pure: the adapter
 * resolves the URL and token (from the environment or a file) and sends what this returns.
 * The title and body given here have already passed the redactor.
 */
import type { Notification } from "./messages.ts";

export type TargetKind = "ntfy" | "gotify" | "webhook" | "slack" | "discord" | "mattermost";

export interface OutgoingRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** Discord refuses content over 2000 characters; the others accept more, but a phone shows little. */
const MAX_TEXT = 1900;

function clip(text: string, max = MAX_TEXT): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

const JSON_HEADERS = { "content-type": "application/json" };

export function requestFor(
  kind: TargetKind,
  target: { url: string; token?: string },
  notification: Pick<Notification, "kind" | "stage" | "key" | "title" | "body" | "urgency" | "at">,
): OutgoingRequest {
  const { title, body } = notification;
  switch (kind) {
    case "ntfy": {
      // Publish as JSON: POST to the server's root with the topic in the body, so a title with
      // non-ASCII text needs no header encoding (docs.ntfy.sh/publish/#publish-as-json). The
      // configured URL is the topic URL (https://ntfy.sh/mytopic). Access tokens go in
      // `Authorization: Bearer` (docs.ntfy.sh/publish/#access-tokens). Priorities 1-5, 3 default
      // (docs.ntfy.sh/publish/#message-priority); tags that name an emoji show as one.
      const topicUrl = new URL(target.url);
      const segments = topicUrl.pathname.split("/").filter((segment) => segment !== "");
      const topic = segments.pop() ?? "";
      const server = `${topicUrl.origin}/${segments.map((segment) => `${segment}/`).join("")}`;
      return {
        url: server,
        headers: { ...JSON_HEADERS, ...(target.token ? { authorization: `Bearer ${target.token}` } : {}) },
        body: JSON.stringify({
          topic,
          title: clip(title, 250),
          message: clip(body),
          priority: { high: 4, default: 3, low: 2 }[notification.urgency],
          tags: [
            { high: "rotating_light", default: "wrench", low: "white_check_mark" }[notification.urgency],
          ],
        }),
      };
    }
    case "gotify": {
      // POST /message with an application token in X-Gotify-Key (gotify/server auth/authentication.go
      // readTokenFromRequest: query `token`, then the X-Gotify-Key header); JSON title, message,
      // priority (gotify/server model/message.go MessageExternal). The header keeps the token out
      // of access logs that would record a `?token=` query.
      return {
        url: `${target.url.replace(/\/+$/, "")}/message`,
        headers: { ...JSON_HEADERS, ...(target.token ? { "x-gotify-key": target.token } : {}) },
        body: JSON.stringify({
          title: clip(title, 250),
          message: clip(body),
          priority: { high: 8, default: 5, low: 2 }[notification.urgency],
        }),
      };
    }
    case "slack":
      // Incoming webhook: POST a JSON object with `text` (api.slack.com/messaging/webhooks); `&`,
      // `<` and `>` are escaped as Slack asks, so outside text cannot form a link or a mention
      // (api.slack.com/reference/surfaces/formatting#escaping).
      return {
        url: target.url,
        headers: JSON_HEADERS,
        body: JSON.stringify({ text: clip(`*${slackEscape(title)}*\n${slackEscape(body)}`) }),
      };
    case "mattermost":
      // Incoming webhook: POST JSON with `text` in Markdown (developers.mattermost.com/integrate/
      // webhooks/incoming/); the same request Slack's webhooks take.
      return {
        url: target.url,
        headers: JSON_HEADERS,
        body: JSON.stringify({ text: clip(`#### ${title}\n${body}`) }),
      };
    case "discord":
      // Execute Webhook: POST JSON `content` up to 2000 characters; `allowed_mentions.parse: []`
      // so text from a log can never ping @everyone or a role
      // (discord.com/developers/docs/resources/webhook#execute-webhook, …/message#allowed-mentions-object).
      return {
        url: target.url,
        headers: JSON_HEADERS,
        body: JSON.stringify({ content: clip(`**${title}**\n${body}`), allowed_mentions: { parse: [] } }),
      };
    case "webhook":
      // Our own generic shape, documented in docs/notifications.md.
      return {
        url: target.url,
        headers: {
          ...JSON_HEADERS,
          ...(target.token ? { authorization: `Bearer ${target.token}` } : {}),
        },
        body: JSON.stringify({
          version: 1,
          event: notification.kind,
          stage: notification.stage,
          key: notification.key,
          title,
          message: body,
          urgency: notification.urgency,
          at: notification.at,
        }),
      };
    default:
      return unreachable(kind);
  }
}

function slackEscape(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

function unreachable(kind: never): never {
  throw new Error(`unknown notification target kind ${String(kind)}`);
}
