/**
 * The GraphQL schema of the hub's read side. `npm run schemas` writes it, printed, to
 * schemas/graphql/hub.graphql; a test fails when that file is stale.
 */
export const typeDefs = /* GraphQL */ `
  """
  The read side of the counterfeit-certificate data-sharing hub, for the joint task force,
  procurators, agency officers, court clerks and auditors. Every operation is denied unless
  the signed-in role may use it; rows are scoped to an officer's agency and units.
  """
  type Query {
    "Who the token belongs to."
    me: Viewer!
    "The official forms the hub can compute, with their lines and periods."
    forms: [FormTemplate!]!
    """
    A form for a reporting unit, rolled up below it: for its named period (the due month
    YYYY-MM of a bimonthly form, the month of a monthly one, none for a campaign form) or for
    any range of Asia/Shanghai days (from and to, YYYY-MM-DD, inclusive). Events count on the
    day they happened; asOf (an instant) keeps only those the hub had recorded by then.
    """
    form(formId: ID!, unit: String!, period: String, from: String, to: String, asOf: String): Form!
    "The events behind one cell of a form (drill-down)."
    formCellEvents(
      formId: ID!
      figureId: ID!
      unit: String!
      period: String
      from: String
      to: String
      column: Int = 0
      asOf: String
      first: Int = 50
    ): [ID!]!
    "The events behind one cell, each with when it happened and was recorded, late ones flagged."
    formCellEventDetails(
      formId: ID!
      figureId: ID!
      unit: String!
      period: String
      from: String
      to: String
      column: Int = 0
      asOf: String
      first: Int = 50
    ): [DrillDownEvent!]!
    """
    The events behind one cell with their content, personal data masked: a sealed ID number
    shows as its masked form marked 已加密 and is never opened here; any other text shaped like
    an ID number is masked. Same rights and units as the drill-down; on the audit record.
    """
    formCellEventContents(
      formId: ID!
      figureId: ID!
      unit: String!
      period: String
      from: String
      to: String
      column: Int = 0
      asOf: String
      first: Int = 50
    ): [DrillDownEventContent!]!
    """
    The clue-transfer ledger, filtered, in pages (first at most 100). With asOf (an instant)
    it is the ledger as the hub knew it then: only events recorded by then, and due and
    overdue judged at that instant instead of now.
    """
    clues(filter: ClueFilter, first: Int = 20, after: String, asOf: String): ClueConnection!
    "One clue and its timeline across agencies (as of an instant, if given)."
    clue(clueId: ID!, asOf: String): Clue
    "Criminal cases from filing to judgment, in pages."
    cases(stage: String, first: Int = 20, after: String): CaseConnection!
    case(caseId: ID!): Case
    "Cases with something for the procuratorate to do now, or as the hub knew them at asOf."
    procuratorWorklist(asOf: String): [WorklistItem!]!
    "Checks a certificate against the shared registry (BRIEF section 3)."
    verifyCertificate(input: VerificationInput!): Verification!
    "A screening job of the officer's agency."
    screening(screeningId: ID!): Screening
    "The per-row results of a finished screening of the officer's agency, in pages (first at most 100)."
    screeningResults(screeningId: ID!, first: Int = 50, after: String): ScreeningResultConnection!
    "What each agency published, per Asia/Shanghai day (YYYY-MM-DD bounds, inclusive)."
    agencyActivity(from: String!, to: String!, agency: String): [AgencyActivity!]!
    """
    Opens a certificate holder's ID number for a stated purpose; recorded as an event first.
    Every call is a new access on the record; send your own unmaskingId to make a retry (same
    content, within 15 minutes) the same access. An id used before for other content is refused.
    """
    certificateHolder(
      certificateType: String!
      registryKey: String!
      purpose: String!
      caseId: ID
      unmaskingId: ID
      "The unit the access is recorded for; default the first of your units."
      reportingUnit: String
    ): HolderIdentity!
    """
    The audit trail (auditors): who opened personal data, checked, screened or exported what,
    when, from where, why, and with what result. Newest first, in pages (first at most 100);
    records of your units only (the actor's units or the unit concerned; 000000: all).
    """
    auditTrail(filter: AuditFilter, first: Int = 50, after: String): AuditConnection!
  }

  type Subscription {
    "A clue whose ledger entry changed (new step, decision, deadline met)."
    ledgerChanged: Clue!
    "A step that has just become overdue."
    newlyOverdue: DueStep!
  }

  type Viewer {
    userId: ID!
    name: String!
    role: String!
    agency: String
    units: [String!]
  }

  type FormTemplate {
    formId: ID!
    "The title as printed, with its blank (2024年 x月份)."
    titleZh: String!
    sourceDocument: String!
    layout: String!
    valueColumnsZh: [String!]!
    lines: [FormLine!]!
    "How a named period is written, in the form's own terms."
    namedPeriodZh: String!
    "How the Shanghai form's bimonthly note is read here (ending or preceding), for that form."
    bimonthlyReading: String
  }

  type FormLine {
    "Group headers above the line, outermost first."
    groupZh: [String!]!
    figures: [FormFigure!]!
  }

  type FormFigure {
    figureId: ID!
    "The header exactly as printed."
    headerZh: String!
    "件 or 人 where one header holds two figures."
    subHeaderZh: String
    unit: String!
    "Money: the decimals the form prints."
    decimals: Int
  }

  type Form {
    formId: ID!
    "The title with the actual period filled in (2024年7-8月份工作情况统计表)."
    titleZh: String!
    unit: String!
    period: String
    from: String
    to: String
    periodLabelZh: String!
    "What the period covers and how the form's note was read."
    periodNoteZh: String
    "Due date (YYYY-MM-DD) of a named period; none for a range of days."
    dueOn: String
    asOf: String
    "How events were counted: by the day they happened; with asOf, only those recorded by then."
    basisZh: String!
    columns: [FormColumn!]!
    rows: [FormRow!]!
  }

  type FormColumn {
    column: Int!
    headerZh: String!
    from: String!
    to: String!
  }

  type FormRow {
    unit: String!
    labelZh: String!
    "unit (a unit below, listed even with nothing to report), own (本级), other, or total."
    kind: String!
    "The number printed in the 序号 column."
    serial: Int
    cells: [FormCell!]!
  }

  type FormCell {
    figureId: ID!
    column: Int!
    "A count, or fen for money: an integer as decimal digits, exact beyond 2^53."
    value: String!
    "As printed, in the figure's unit."
    display: String!
    "The figure's header exactly as printed on the form."
    headerZh: String!
    "件 or 人 under a header that holds two figures."
    subHeaderZh: String
    groupZh: [String!]!
    "The value column's header (本月数据, 累计数据 …) on an item-rows form."
    columnZh: String
    unit: String!
  }

  "An event behind a form cell."
  type DrillDownEvent {
    eventId: ID!
    "The Asia/Shanghai day it happened: the period it counts in."
    occurredOn: String!
    recordedAt: String!
    "Recorded more days after it happened than the hub's bound (HUB_LATE_EVENT_DAYS)."
    recordedLate: Boolean!
  }

  "An event behind a form cell, with its content (personal data masked)."
  type DrillDownEventContent {
    eventId: ID!
    type: String!
    "The event type's Chinese name in the catalogue."
    typeZh: String!
    "Publishing agency and reporting unit."
    agency: String!
    reportingUnit: String!
    "When it happened and when the hub recorded it, Asia/Shanghai (YYYY-MM-DD HH:mm)."
    occurredAt: String!
    recordedAt: String!
    recordedLate: Boolean!
    "The event's data as JSON text, personal data masked."
    data: String!
  }

  input ClueFilter {
    "Transferring agency."
    agency: String
    "open or closed."
    status: String
    "due: waiting with a deadline ahead; overdue: past it."
    due: String
    "Transfers from and to these days (YYYY-MM-DD, Asia/Shanghai)."
    from: String
    to: String
    "Division code: the transferring unit or the receiving police unit lies in it."
    unit: String
  }

  type ClueConnection {
    edges: [ClueEdge!]!
    pageInfo: PageInfo!
  }

  type ClueEdge {
    cursor: String!
    node: Clue!
  }

  type PageInfo {
    hasNextPage: Boolean!
    endCursor: String
  }

  type Clue {
    clueId: ID!
    transferringAgency: String
    reportingUnit: String
    toPoliceUnit: String
    origin: String
    suspects: Int
    fakeCertificates: Int
    stage: String!
    open: Boolean!
    steps: [LedgerStep!]!
    timeline: [TimelineEntry!]!
  }

  type LedgerStep {
    ruleId: ID!
    labelZh: String!
    kind: String!
    party: String!
    startedAt: String!
    dueBy: String
    endedAt: String
    status: String!
    source: String!
  }

  type DueStep {
    clueId: ID!
    step: LedgerStep!
  }

  type TimelineEntry {
    eventId: ID!
    type: String!
    agency: String!
    reportingUnit: String!
    occurredAt: String!
    "When the hub recorded it (unknown for entries built before it was kept)."
    recordedAt: String
    "Recorded more days after it happened than the hub's bound (HUB_LATE_EVENT_DAYS)."
    recordedLate: Boolean!
  }

  type CaseConnection {
    edges: [CaseEdge!]!
    pageInfo: PageInfo!
  }

  type CaseEdge {
    cursor: String!
    node: Case!
  }

  type Case {
    caseId: ID!
    clueId: ID
    "The clue the case came from, if it came from a transfer."
    clue: Clue
    stage: String!
    earlyIntervention: Boolean!
    "Staff id of the intervening procurator: procurators and analysts only."
    procuratorId: String
    suspects: Int
    prosecutedPersons: Int
    nonProsecutedPersons: Int
    judgment: Judgment
    reverseLink: ReverseLink
    timeline: [TimelineEntry!]!
  }

  type Judgment {
    convictedPersons: Int!
    acquittedPersons: Int!
    deliveredOn: String!
  }

  type ReverseLink {
    opinionId: ID!
    addressee: String!
    penaltyDecided: Boolean!
    replied: Boolean!
  }

  type WorklistItem {
    case: Case!
    reasons: [String!]!
  }

  input VerificationInput {
    certificateType: String!
    number: String!
    holderIdNumber: String
    holderName: String
    job: String
    printedValidUntil: String
    printedIssuedOn: String
  }

  type Verification {
    result: String!
    findingKind: String
    evidence: [String!]!
    numberMasked: String!
    registryKey: String!
  }

  type Screening {
    screeningId: ID!
    status: String!
    rows: Int!
    rejectedRows: Int!
    negativeRows: Int!
    anomalies: Int!
  }

  type ScreeningResultConnection {
    edges: [ScreeningResultEdge!]!
    pageInfo: PageInfo!
  }

  type ScreeningResultEdge {
    cursor: String!
    node: ScreenedRow!
  }

  "One roster row as screened: masked values and the registry key only."
  type ScreenedRow {
    line: Int!
    rejected: String
    certificateType: String
    numberMasked: String
    registryKey: String
    holderMasked: String
    result: String
    findingKind: String
    evidence: [String!]
    anomalies: [String!]
  }

  type AgencyActivity {
    agency: String!
    day: String!
    total: Int!
    byType: [TypeCount!]!
  }

  type TypeCount {
    type: String!
    count: Int!
  }

  input AuditFilter {
    "From this day (YYYY-MM-DD, Asia/Shanghai) or instant (with its offset)."
    from: String
    "To this day (inclusive), or before this instant."
    to: String
    "A user id, or an agency credential id."
    actorId: String
    agency: String
    "An action code (personal_data.unmask) or its family (export)."
    action: String
    "A person's ID number: records are found by its match key; the number is never kept."
    holderIdNumber: String
    registryKey: String
    "Records whose purpose contains this text."
    purpose: String
    "ok, refused or failed."
    outcome: String
  }

  type AuditConnection {
    edges: [AuditEdge!]!
    pageInfo: PageInfo!
  }

  type AuditEdge {
    cursor: String!
    node: AuditRecord!
  }

  "One audited act. Persons appear by the match key of their ID number, never the number."
  type AuditRecord {
    id: ID!
    "UTC, ISO 8601."
    at: String!
    "The same instant in Asia/Shanghai, as people read it."
    atShanghai: String!
    actor: AuditActor!
    "A stable code, e.g. personal_data.unmask."
    action: String!
    "The action as people read it, Chinese first."
    actionLabel: String!
    purpose: String
    caseId: String
    subject: AuditSubject!
    from: AuditOrigin!
    result: AuditResult!
    "This record's link in the audit hash chain: <alg>:<hex>."
    hash: String!
  }

  type AuditActor {
    "user, agency-system or cli."
    kind: String!
    "User id, agency credential id, or the operating-system user of the hub command."
    id: String!
    name: String
    "The officer acting through an agency system, when it says."
    officerId: String
    role: String
    agency: String
    units: [String!]
  }

  type AuditSubject {
    "The match key of the person's ID number."
    holderKey: String
    registryKey: String
    certificateType: String
    numberMasked: String
    form: String
    figure: String
    unit: String
    period: String
    format: String
    screeningId: String
    clueId: String
    unmaskingId: String
    verificationId: String
    tokenId: String
    userId: String
    view: String
    "The GraphQL root field read."
    field: String
    "What the request asked for, in short."
    args: [AuditArg!]
    "Rows given out, imported or removed."
    count: Int
  }

  type AuditArg {
    name: String!
    value: String!
  }

  type AuditOrigin {
    ip: String
    requestId: String
    correlationId: String
    host: String
  }

  type AuditResult {
    "ok, refused or failed."
    outcome: String!
    "Why it was refused or failed; for a check, its finding."
    code: String
  }

  type HolderIdentity {
    idNumber: String!
    numberMasked: String!
    "The id this access is recorded under."
    unmaskingId: ID!
    "True when this answer repeats an access already on the record (a retry)."
    retry: Boolean!
  }
`;
