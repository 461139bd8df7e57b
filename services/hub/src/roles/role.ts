/** What a hub process runs: everything (default), the API, the projections, or the Kafka bridge. */
export const HUB_ROLES = ['all', 'api', 'projector', 'bridge'] as const;
export type HubRole = (typeof HUB_ROLES)[number];

export const isHubRole = (value: string): value is HubRole =>
  (HUB_ROLES as readonly string[]).includes(value);
