// AWS Backup recovery points, vaults, plans and their protections removed: what ransomware
// operators do before they encrypt or wipe, so that nothing can be restored.
import { str } from '../../core/event';
import { defineRule } from '../../core/rule';
import type { JsonObject, Severity, TrailEvent } from '../../core/types';
import { actorLabel, homeAccount, isAwsItself, viaAwsService } from '../common/actors';
import { child, req, stringsOf, toInt } from '../common/json';
import { failed } from '../common/outcome';
import { parsePolicyDocument, principalAccount, statementsOf } from '../common/policy-documents';
import { failedSeverity, lower } from '../common/severity';
import { dedup, firstFew, origin, outcome, show } from '../common/text';

const ID = 'backup.recovery-data-deleted';
const BACKUP = 'backup.amazonaws.com';

/** A retention this short (in days from the recovery point's creation) deletes it within the week. */
const SHORT_RETENTION_DAYS = 7;

type Change =
  | 'recovery-point-deleted'
  | 'vault-deleted'
  | 'vault-lock-removed'
  | 'vault-policy-removed'
  | 'restores-blocked'
  | 'vault-opened'
  | 'plan-deleted'
  | 'selection-deleted'
  | 'retention-cut'
  | 'retention-changed'
  | '';

const BASE: Record<Exclude<Change, ''>, Severity> = {
  // Vault Lock exists to stop exactly this attack; removing it has almost no routine reason.
  'vault-lock-removed': 'critical',
  'recovery-point-deleted': 'high',
  'vault-deleted': 'high',
  'vault-policy-removed': 'high',
  'restores-blocked': 'high',
  'vault-opened': 'high',
  'plan-deleted': 'high',
  'retention-cut': 'high',
  // Infrastructure code replaces selections on every change of their resources.
  'selection-deleted': 'medium',
  'retention-changed': 'medium',
};

/** What the call did, as [past tense, infinitive] of its verb. */
const VERB: Record<Exclude<Change, ''>, readonly [string, string]> = {
  'recovery-point-deleted': ['deleted', 'delete'],
  'vault-deleted': ['deleted', 'delete'],
  'vault-lock-removed': ['removed Vault Lock (immutability) from', 'remove Vault Lock (immutability) from'],
  'vault-policy-removed': [
    'removed the access policy (the deletion guard) of',
    'remove the access policy of',
  ],
  'restores-blocked': ['denied restores to everyone on', 'deny restores to everyone on'],
  'vault-opened': ['opened', 'open'],
  'plan-deleted': ['deleted', 'delete'],
  'selection-deleted': ['deleted', 'delete'],
  'retention-cut': ['cut the retention of', 'cut the retention of'],
  'retention-changed': ['changed the retention of', 'change the retention of'],
};

const lowerCased = (values: string[]): string[] => values.map((v) => v.toLowerCase());

/** Actions that cover StartRestoreJob: every action, every Backup action, or the call itself. */
function coversRestore(actions: string[]): boolean {
  return lowerCased(actions).some((a) => a === '*' || a === 'backup:*' || a === 'backup:startrestorejob');
}

function isAnyone(principal: unknown): boolean {
  if (principal === '*') return true;
  return stringsOf(child(principal, 'AWS')).includes('*');
}

/** An unconditional Deny of restores to everyone: the backups stay, but no one can use them. */
function blocksRestores(policy: JsonObject): boolean {
  return statementsOf(policy).some(
    (s) =>
      str(s.Effect) === 'Deny' &&
      isAnyone(s.Principal) &&
      coversRestore(stringsOf(s.Action)) &&
      Object.keys(child(s, 'Condition') ?? {}).length === 0,
  );
}

/**
 * Accounts other than the vault's own (or `*`) that an Allow statement lets do more than copy
 * recovery points into the vault (`backup:CopyIntoBackupVault` is the usual cross-account grant of
 * a central backup vault).
 */
function accountsLetIn(policy: JsonObject, home: string): string[] {
  const accounts = new Set<string>();
  for (const s of statementsOf(policy)) {
    if (str(s.Effect) !== 'Allow') continue;
    const actions = lowerCased(stringsOf(s.Action));
    if (actions.length > 0 && actions.every((a) => a === 'backup:copyintobackupvault')) continue;
    const principals = s.Principal === '*' ? ['*'] : stringsOf(child(s.Principal, 'AWS'));
    for (const principal of principals) {
      const account = principal === '*' ? '*' : principalAccount(principal);
      if (account !== '' && account !== home) accounts.add(account);
    }
  }
  return [...accounts].sort();
}

/** `lifecycle.deleteAfterDays` of the request, when set. */
function deleteAfterDays(e: TrailEvent): number | undefined {
  return toInt(child(child(e.requestParameters, 'lifecycle'), 'deleteAfterDays'));
}

function change(e: TrailEvent): Change {
  switch (e.eventName) {
    case 'DeleteRecoveryPoint':
      return 'recovery-point-deleted';
    case 'DeleteBackupVault':
      return 'vault-deleted';
    case 'DeleteBackupVaultLockConfiguration':
      return 'vault-lock-removed';
    case 'DeleteBackupVaultAccessPolicy':
      return 'vault-policy-removed';
    case 'PutBackupVaultAccessPolicy': {
      const policy = parsePolicyDocument(child(e.requestParameters, 'policy'));
      if (blocksRestores(policy)) return 'restores-blocked';
      return accountsLetIn(policy, homeAccount(e)).length > 0 ? 'vault-opened' : '';
    }
    case 'DeleteBackupPlan':
      return 'plan-deleted';
    case 'DeleteBackupSelection':
      return 'selection-deleted';
    case 'UpdateRecoveryPointLifecycle': {
      const days = deleteAfterDays(e);
      if (days === undefined) return '';
      return days <= SHORT_RETENTION_DAYS ? 'retention-cut' : 'retention-changed';
    }
    default:
      return '';
  }
}

/**
 * AWS Backup itself (its service principal, its service-linked role, or a call it makes with the
 * backup role on its own schedule, such as expiring recovery points at the end of their
 * retention). `invokedBy` and a service source address are set by AWS, not by the caller.
 */
function isBackupItself(e: TrailEvent): boolean {
  return isAwsItself(e) || e.actor.invokedBy === BACKUP || e.sourceIPAddress === BACKUP;
}

const vault = (e: TrailEvent): string => req(e, 'backupVaultName');
const plan = (e: TrailEvent): string => req(e, 'backupPlanId');

/** What the call acted on, and how, in words. */
function target(e: TrailEvent, c: Change): string {
  const inVault = `backup vault ${show(vault(e), 64)}`;
  const point = `recovery point ${show(req(e, 'recoveryPointArn'), 160)} in ${inVault}`;
  switch (c) {
    case 'recovery-point-deleted':
      return point;
    case 'retention-cut':
    case 'retention-changed':
      return `${point} to ${show(String(deleteAfterDays(e) ?? '?'), 8)} day(s) after its creation`;
    case 'vault-opened': {
      const policy = parsePolicyDocument(child(e.requestParameters, 'policy'));
      return `${inVault} to ${show(firstFew(accountsLetIn(policy, homeAccount(e))), 80)} (access policy)`;
    }
    case 'plan-deleted':
      return `backup plan ${show(plan(e), 64)}`;
    case 'selection-deleted':
      return `selection ${show(req(e, 'selectionId'), 64)} of backup plan ${show(plan(e), 64)}`;
    default:
      return inVault;
  }
}

/**
 * A refused attempt at a high or critical change is medium: someone tried to destroy backups or
 * their lock (Vault Lock in compliance mode refuses with InvalidRequestException), and whoever
 * tried will try another way. One step lower when an AWS service made the call for a principal.
 */
function severity(e: TrailEvent): Severity {
  const c = change(e);
  const base: Severity = c === '' ? 'medium' : BASE[c];
  if (failed(e)) return failedSeverity(base);
  return viaAwsService(e) ? lower(base) : base;
}

export default defineRule({
  id: ID,
  title: 'AWS Backup recovery data deleted or its protection removed',
  description:
    'A principal removed what AWS Backup keeps for a restore. Critical: Vault Lock removed ' +
    '(DeleteBackupVaultLockConfiguration). High: a recovery point or a vault deleted ' +
    '(DeleteRecoveryPoint, DeleteBackupVault), a backup plan deleted (DeleteBackupPlan), the vault ' +
    'access policy removed (DeleteBackupVaultAccessPolicy, which usually carries the Deny on ' +
    'deleting recovery points), a vault access policy that denies restores to everyone without ' +
    'condition or lets another account (or anyone) do more than copy into the vault ' +
    '(PutBackupVaultAccessPolicy), a recovery point retention cut to 7 days or less ' +
    '(UpdateRecoveryPointLifecycle). Medium: a backup selection deleted (DeleteBackupSelection) or ' +
    'a longer retention set. Other vault policies and lifecycle changes that only move data to cold ' +
    'storage are not matched. AWS Backup itself (its service-linked role, or its own calls such as ' +
    'expiring recovery points) is not matched; one step lower when another AWS service made the ' +
    'call (CloudFormation); failed calls are medium when the change would have been high or ' +
    'critical, low otherwise.',
  whyItMatters:
    'Ransomware crews delete backups, or make them expire, before they encrypt or wipe the data: ' +
    'without a recovery point there is nothing to restore and the ransom looks like the only way ' +
    'back. Vault Lock and a deny-delete vault policy are the controls that stop this, so their ' +
    'removal is the first step.',
  runbook:
    'Confirm the change with the backup owner now. If it is not expected: restrict the caller ' +
    '(revoke its sessions, deactivate its keys), put the vault access policy back (a Deny on ' +
    'backup:DeleteRecoveryPoint and backup:UpdateRecoveryPointLifecycle for everyone but the backup ' +
    'administrators), lock the vault again (PutBackupVaultLockConfiguration), list what remains ' +
    '(ListRecoveryPointsByBackupVault), restore the retention of the recovery points, start an ' +
    'on-demand backup of the critical resources, and review everything the caller did.',
  reference: 'https://docs.aws.amazon.com/aws-backup/latest/devguide/vault-lock.html',
  mitre: ['TA0040:T1490', 'TA0040:T1485'],
  eventNames: [
    'DeleteRecoveryPoint',
    'DeleteBackupVault',
    'DeleteBackupVaultLockConfiguration',
    'DeleteBackupVaultAccessPolicy',
    'PutBackupVaultAccessPolicy',
    'DeleteBackupPlan',
    'DeleteBackupSelection',
    'UpdateRecoveryPointLifecycle',
  ],
  eventSources: [BACKUP],
  severity,
  matches: (e) => change(e) !== '' && !isBackupItself(e),
  explain: (e) => {
    const c = change(e);
    const [done, tried] = c === '' ? ['changed', 'change'] : VERB[c];
    return (
      `${actorLabel(e)} ${failed(e) ? `tried to ${tried}` : done} ${target(e, c)} with ` +
      `${show(e.eventName, 48)} ${origin(e)}${outcome(e)}.`
    );
  },
  dedupKey: (e) => dedup(ID, e.recipientAccountId, e.awsRegion, vault(e) || plan(e), e.eventName),
});
