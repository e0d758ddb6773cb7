/**
 * The built-in modules, for embedders: `import { mailModule, jiraModule } from 'tresor/modules'`.
 * Each is built on a Tresor object's `moduleContext`, with options of your choosing.
 */
export { jiraModule, type JiraModule, type JiraModuleOptions } from './jira/jira.client.ts';
export { type MailMessage, mailModule, type MailModule, type MailModuleOptions, type SendOptions } from './mail/mail.module.ts';
export type { ModuleContext } from './module-context.ts';
