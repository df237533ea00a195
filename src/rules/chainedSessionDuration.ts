import { SHARED_ROLE_PATH } from "../contract";
import { TYPES } from "./documents";
import type { Rule } from "./types";

/** The most a chained role session (a role assuming another role) can last. */
export const CHAINED_SESSION_LIMIT_SECONDS = 3600;

/** Shared roles are assumed by application roles (ECS, Lambda, EC2): role chaining, capped at one hour. */
export const chainedSessionDuration: Rule = {
  id: "chained-session-max-duration",
  message: `Shared roles have MaxSessionDuration <= ${CHAINED_SESSION_LIMIT_SECONDS} s: their callers chain from an application role.`,
  reason:
    "AWS caps a chained session at one hour whatever the role allows; a longer MaxSessionDuration makes clients that " +
    "ask for it fail with a ValidationError, and suggests sessions last longer than they can.",
  checkResource(resource) {
    if (resource.type !== TYPES.role) return [];
    const isShared = resource.parentType === TYPES.sharedModelRole || resource.inputs.path === SHARED_ROLE_PATH;
    if (!isShared) return [];
    const raw = resource.inputs.maxSessionDuration;
    if (raw === undefined || raw === null) return []; // AWS default: 3600
    const seconds = Number(raw);
    if (!Number.isFinite(seconds)) return [`maxSessionDuration ${JSON.stringify(raw)} is not a number`];
    return seconds > CHAINED_SESSION_LIMIT_SECONDS
      ? [`maxSessionDuration is ${seconds} s; a chained session gets at most ${CHAINED_SESSION_LIMIT_SECONDS} s (modelshare:consumers.<env>.maxSessionDurationSeconds)`]
      : [];
  },
};
