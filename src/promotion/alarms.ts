import type { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { cloudwatchSdk } from "./sdk";

/**
 * The model's alarms as CloudWatch reports them now (DescribeAlarms by name): what promotion's bake and `status`
 * judge a version by. An alarm that does not exist is reported as MISSING, never taken for OK.
 */

export type AlarmState = "OK" | "ALARM" | "INSUFFICIENT_DATA" | "MISSING";

export interface AlarmStatus {
  readonly name: string;
  readonly state: AlarmState;
  readonly reason?: string;
  /** When the alarm entered its state (ISO time). */
  readonly since?: string;
}

export interface AlarmReader {
  /** The alarms of these names, in the order asked. */
  read(names: readonly string[]): Promise<AlarmStatus[]>;
}

/** DescribeAlarms takes at most 100 names per call (CloudWatch API Reference, DescribeAlarms, AlarmNames). */
const NAMES_PER_CALL = 100;

export class CloudWatchAlarmReader implements AlarmReader {
  constructor(private readonly client: CloudWatchClient) {}

  async read(names: readonly string[]): Promise<AlarmStatus[]> {
    const found = new Map<string, AlarmStatus>();
    for (let i = 0; i < names.length; i += NAMES_PER_CALL) {
      let nextToken: string | undefined;
      let pages = 0;
      do {
        const page = await this.client.send(new (cloudwatchSdk().DescribeAlarmsCommand)({ AlarmNames: names.slice(i, i + NAMES_PER_CALL), AlarmTypes: ["MetricAlarm"], NextToken: nextToken }));
        for (const alarm of page.MetricAlarms ?? []) {
          if (alarm.AlarmName === undefined) continue;
          found.set(alarm.AlarmName, {
            name: alarm.AlarmName,
            state: (alarm.StateValue ?? "INSUFFICIENT_DATA") as AlarmState,
            ...(alarm.StateReason !== undefined ? { reason: alarm.StateReason } : {}),
            ...(alarm.StateUpdatedTimestamp !== undefined ? { since: alarm.StateUpdatedTimestamp.toISOString() } : {}),
          });
        }
        nextToken = page.NextToken;
        pages++;
      } while (nextToken !== undefined && pages < 10);
    }
    return names.map((name) => found.get(name) ?? { name, state: "MISSING" });
  }
}
