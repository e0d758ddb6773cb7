/**
 * The built-in modules, for embedders: `import { mailModule, jiraModule } from 'tresor/modules'`.
 * Each is built on a Tresor object's `moduleContext`, with options of your choosing.
 */
export { type JiraModule, type JiraModuleOptions, jiraModule } from './jira/jira.client.ts';
export {
  type MailMessage,
  type MailModule,
  type MailModuleOptions,
  mailModule,
  type SendOptions,
} from './mail/mail.module.ts';
export type { ModuleContext } from './module-context.ts';
